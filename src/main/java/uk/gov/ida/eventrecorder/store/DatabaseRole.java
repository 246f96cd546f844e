package uk.gov.ida.eventrecorder.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The database role of each function, and exactly what it uses (docs/deploying.md, "Database privileges", whose SQL
 * creates them): a role holds every privilege its function needs and none that only another function needs, so that a
 * function's credentials, if taken, can do no more than that function does. {@code doctor --function} checks a login
 * against its function's role both ways, PUBLIC's privileges included: what PUBLIC holds, every login holds.
 */
public enum DatabaseRole {
    /** The queue functions (event source and drain): insert events, tell a new one from a duplicate. */
    RECORDER("event_recorder", recording(), notRecording(), recordingInserts(), Map.of(), Set.of()),
    /** The archive replay: the same rows as the queue path, through the same statements. */
    REPLAY("event_recorder_replay", recording(), notRecording(), recordingInserts(), Map.of(), Set.of()),
    /** The fraud upload: its sessions (claimed, locked, finished), their failures and the fraud events. */
    FRAUD_UPLOAD("event_recorder_fraud_upload", fraudUpload(), notFraudUpload(), fraudUploadInserts(),
            Map.of("idp_data.upload_sessions", fraudUploadUpdates()), Set.of()),
    /**
     * Migrations and the partition maintenance: the tables' owner. It creates in its own schemas, and in public the
     * migration history (Flyway's {@code flyway_schema_history}).
     */
    MAINTENANCE("event_recorder_owner", List.of(
            new Privilege("ownership of audit.audit_events", "pg_has_role(%s, (SELECT relowner FROM pg_class WHERE "
                    + "oid = " + rel("audit.audit_events") + "), 'USAGE')", false),
            schema("audit", "CREATE")), List.of(), null, null,
            Set.of("audit", "billing", "idp_data", "ledger", "public")),
    /** The export (read-only): every table the functions write, and the ledger's checkpoints, read; nothing written. */
    EXPORT("event_recorder_export", export(), notExport(), Map.of(), Map.of(), Set.of()),
    /**
     * The ledger's checkpoint run: reads every table the functions write and the changes noted to them, appends to the
     * ledger's tables (never changes a row there but a checkpoint's {@code published_at}).
     */
    LEDGER("event_recorder_ledger", ledger(), notLedger(), Map.of(),
            Map.of("ledger.checkpoints", List.of("published_at")), Set.of());

    /** Where the ledger's run notes that a checkpoint's object is in the bucket, its one UPDATE. */
    private static final String LEDGER_CHECKPOINTS = "ledger.checkpoints";

    /** Every table any function writes. */
    public static final List<String> TABLES = tables();
    /** The ledger's tables (V11), which only the ledger's run writes (row_changes: the tables' trigger). */
    public static final List<String> LEDGER_TABLES = ledgerTables();

    private final String defaultName;
    private final List<Privilege> needed;
    private final List<Privilege> notNeeded;
    /**
     * The columns it may INSERT, by table: those its statements name, never {@code recorded_xid}, whose DEFAULT (the
     * inserting transaction) is how the export finds new rows (V9); null for the owner.
     */
    private final Map<String, List<String>> inserts;
    /** The columns it may UPDATE, by table; null for the owner, who may change anything. */
    private final Map<String, List<String>> updates;
    /** The schemas it may create in (the owner's own and public); none for a function's role. */
    private final Set<String> createsIn;

    DatabaseRole(String defaultName, List<Privilege> needed, List<Privilege> notNeeded,
                 Map<String, List<String>> inserts, Map<String, List<String>> updates, Set<String> createsIn) {
        this.defaultName = defaultName;
        this.needed = needed;
        this.notNeeded = notNeeded;
        this.inserts = inserts;
        this.updates = updates;
        this.createsIn = createsIn;
    }

    /** The role's name in docs/deploying.md's SQL and the template's defaults. */
    public String defaultName() {
        return defaultName;
    }

    /** Whether its function reads or writes the audit table (all but the fraud upload): its partitions concern it. */
    public boolean seesAudit() {
        return this != FRAUD_UPLOAD;
    }

    /** {@code fraud-upload} for {@link #FRAUD_UPLOAD}: the name {@code doctor --function} takes. */
    public String functionName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * One privilege, as GRANT and REVOKE name it ({@code INSERT ON audit.audit_events}), and the
     * {@code has_*_privilege} call that asks whether a role holds it ({@code %s}: the role, {@code current_user} or
     * {@code 'public'}).
     *
     * @param administrator granted and revoked by the database's administrator (the database, schema public), not
     *                      by the schema owner
     */
    private record Privilege(String name, String question, boolean administrator) {
        boolean heldBy(Statement s, String role) throws SQLException {
            try (ResultSet rs = s.executeQuery("SELECT coalesce(" + String.format(question, role) + ", false)")) {
                rs.next();
                return rs.getBoolean(1);
            }
        }

        String runBy() {
            return administrator ? "the administrator" : "the schema owner";
        }

        Fix grantTo(String login) {
            return new Fix(runBy(), "GRANT " + name + " TO " + login + ";");
        }

        /** From PUBLIC where PUBLIC holds it: revoked from the login alone, it would still hold it through PUBLIC. */
        Fix revokeFrom(Statement s, String login) throws SQLException {
            return new Fix(runBy(), "REVOKE " + name + " FROM " + (heldBy(s, "'public'") ? "PUBLIC" : login) + ";");
        }
    }

    /**
     * One statement that mends the login's privileges.
     *
     * @param runBy who may run it: {@code the administrator} (the database, schema public) or {@code the schema
     *              owner} (the tables, their schemas and sequences)
     */
    public record Fix(String runBy, String sql) {
    }

    /**
     * @param missing  privileges the function uses and the login lacks; {@code excess} ones it holds and never uses
     * @param granting the GRANT statements that give it the missing ones
     * @param revoking the REVOKE statements that take the excess ones away, in order (one of a privilege PUBLIC holds
     *                 is from PUBLIC, since revoking it from the login alone changes nothing; one of a whole table is
     *                 followed by the GRANT of the columns the function does use)
     */
    public record Check(List<String> missing, List<String> excess, List<Fix> granting, List<Fix> revoking) {
        public boolean exact() {
            return missing.isEmpty() && excess.isEmpty();
        }
    }

    /**
     * What the logged-in role lacks of what its function uses, and holds that it does not use: besides the tables'
     * privileges, creating in any schema (the owner: but its own and public), and for a function's role on the
     * database or temporary tables, and an INSERT or UPDATE of any column its function does not set (an INSERT of the
     * whole table included, which covers {@code recorded_xid}).
     *
     * @return empty lists when the role is exactly right
     */
    public Check check(Connection connection) throws SQLException {
        List<String> missing = new ArrayList<>();
        List<String> excess = new ArrayList<>();
        List<Fix> granting = new ArrayList<>();
        List<Fix> fixes = new ArrayList<>();
        try (Statement s = connection.createStatement()) {
            String login;
            try (ResultSet rs = s.executeQuery("SELECT quote_ident(current_user)")) {
                rs.next();
                login = rs.getString(1);
            }
            for (Privilege privilege : needed) {
                if (!privilege.heldBy(s, "current_user")) {
                    missing.add(privilege.name());
                    granting.add(privilege.grantTo(login));
                }
            }
            List<Privilege> unused = new ArrayList<>(notNeeded);
            unused.addAll(databaseAndSchemas(connection));
            for (Privilege privilege : unused) {
                if (privilege.heldBy(s, "current_user")) {
                    excess.add(privilege.name());
                    fixes.add(privilege.revokeFrom(s, login));
                }
            }
            for (String table : tables()) {
                if (inserts != null) {
                    beyondColumns(connection, s, login, table, "INSERT", inserts, excess, fixes);
                }
            }
            if (updates != null) {
                for (String table : updated()) {
                    beyondColumns(connection, s, login, table, "UPDATE", updates, excess, fixes);
                }
            }
        }
        missing.sort(String::compareTo);
        excess.sort(String::compareTo);
        // The administrator's statements first, then the schema owner's; each in the order found (a REVOKE of a
        // whole table before the GRANT of its columns).
        fixes.sort(Comparator.comparing(f -> !f.runBy().equals("the administrator")));
        return new Check(List.copyOf(missing), List.copyOf(excess), List.copyOf(granting), List.copyOf(fixes));
    }

    /**
     * For a function's role: CREATE on the database (new schemas) and TEMPORARY (temporary tables, which PostgreSQL
     * grants PUBLIC on every database); for every role, CREATE in any schema but the owner's: on PostgreSQL 13 and
     * 14 PUBLIC may create in schema public
     * (<a href="https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATTERNS">usage patterns</a>,
     * <a href="https://www.postgresql.org/docs/current/ddl-priv.html#PRIVILEGES-SUMMARY-TABLE">default
     * privileges</a>). A table of its own, temporary or not, is a place to stage data outside every check here; the
     * owner, which creates tables anyway, gains nothing by a temporary one.
     */
    private List<Privilege> databaseAndSchemas(Connection connection) throws SQLException {
        List<Privilege> privileges = new ArrayList<>();
        if (createsIn.isEmpty()) {
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("SELECT quote_ident(current_database())")) {
                rs.next();
                String database = rs.getString(1);
                privileges.add(new Privilege("TEMPORARY ON DATABASE " + database,
                        "has_database_privilege(%s, current_database(), 'TEMPORARY')", true));
                privileges.add(new Privilege("CREATE ON DATABASE " + database,
                        "has_database_privilege(%s, current_database(), 'CREATE')", true));
            }
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT oid, nspname, quote_ident(nspname) FROM "
                + "pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' AND "
                + "has_schema_privilege(oid, 'CREATE') ORDER BY nspname");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                if (!createsIn.contains(rs.getString(2))) {
                    privileges.add(new Privilege("CREATE ON SCHEMA " + rs.getString(3), "has_schema_privilege(%s, "
                            + rs.getLong(1) + "::oid, 'CREATE')", rs.getString(2).equals("public")));
                }
            }
        }
        return privileges;
    }

    /**
     * INSERT or UPDATE ({@code privilege}) of {@code table}'s columns beyond those the function writes
     * ({@code allowed}): the whole table (revoked, and the columns it writes granted again: revoking a table's
     * privilege revokes its columns' too), or column by column
     * (<a href="https://www.postgresql.org/docs/current/sql-revoke.html">REVOKE</a>). A table-wide INSERT lets a login
     * name {@code recorded_xid} and so choose what the export's search finds; with INSERT on the other columns only,
     * the column's DEFAULT always applies
     * (<a href="https://www.postgresql.org/docs/current/sql-grant.html">GRANT</a>, column privileges). A column is
     * found in the catalog, so a column added later is checked too.
     */
    private static void beyondColumns(Connection connection, Statement s, String login, String table,
                                      String privilege, Map<String, List<String>> allowed, List<String> excess,
                                      List<Fix> fixes) throws SQLException {
        List<String> writes = allowed.getOrDefault(table, List.of());
        Privilege whole = table(table, privilege);
        if (whole.heldBy(s, "current_user")) {
            excess.add(whole.name());
            fixes.add(whole.revokeFrom(s, login));
            if (!writes.isEmpty()) {
                fixes.add(columns(table, privilege, writes).grantTo(login));
            }
            return;
        }
        try (PreparedStatement columns = connection.prepareStatement("SELECT a.attname FROM pg_attribute a WHERE "
                + "a.attrelid = " + rel(table) + " AND a.attnum > 0 AND NOT a.attisdropped AND "
                + "has_column_privilege(a.attrelid, a.attnum, '" + privilege + "') ORDER BY a.attnum");
             ResultSet rs = columns.executeQuery()) {
            while (rs.next()) {
                if (!writes.contains(rs.getString(1))) {
                    Privilege column = columns(table, privilege, List.of(rs.getString(1)));
                    excess.add(column.name());
                    fixes.add(column.revokeFrom(s, login));
                }
            }
        }
    }

    private static Privilege schema(String schema, String privilege) {
        return new Privilege(privilege + " ON SCHEMA " + schema, "has_schema_privilege(%s, (SELECT oid FROM "
                + "pg_namespace WHERE nspname = '" + schema + "'), '" + privilege + "')", schema.equals("public"));
    }

    private static Privilege table(String table, String privilege) {
        return new Privilege(privilege + " ON " + table, "has_table_privilege(%s, " + rel(table) + ", '" + privilege
                + "')", false);
    }

    private static Privilege columns(String table, String privilege, List<String> columns) {
        List<String> each = columns.stream().map(c -> "has_column_privilege(%1$s, " + rel(table) + ", '"
                + c + "', '" + privilege + "')").toList();
        return new Privilege(privilege + " (" + String.join(", ", columns) + ") ON " + table,
                String.join(" AND ", each), false);
    }

    /**
     * A relation by its oid, found in the catalog: naming it as text would need USAGE on its schema, and a role that
     * rightly lacks that would make the check fail instead of answer.
     */
    private static String rel(String qualified) {
        String[] parts = qualified.split("\\.");
        return "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '"
                + parts[0] + "' AND c.relname = '" + parts[1] + "')";
    }

    // A method, not only the constant: the constants above are built before any static field of the enum is set.
    private static List<String> tables() {
        return List.of("audit.audit_events", "billing.billing_events", "billing.fraud_events",
                "idp_data.upload_sessions", "idp_data.upload_session_validation_failures", "idp_data.idp_fraud_events",
                "idp_data.idp_fraud_event_contraindicators");
    }

    private static List<String> ledgerTables() {
        return List.of("ledger.checkpoints", "ledger.leaves", "ledger.nodes", "ledger.row_changes");
    }

    /** The tables whose UPDATE is checked column by column: the functions' and the ledger's. */
    private static List<String> updated() {
        List<String> all = new ArrayList<>(tables());
        all.addAll(ledgerTables());
        return all;
    }

    /**
     * The columns of {@code idp_data.upload_sessions} the fraud upload sets when it finishes a session
     * ({@code FraudUploadRepository.finish}). {@code SELECT … FOR UPDATE}, its row lock, needs UPDATE on at least one
     * column (<a href="https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE">the locking
     * clause</a>): these serve.
     */
    private static List<String> fraudUploadUpdates() {
        return List.of("passed_validation", "finished_at");
    }

    /**
     * The columns {@code EventRepository}'s statement names, by table: INSERT of these and no other. The rest
     * ({@code recorded_xid}) take their defaults.
     */
    private static Map<String, List<String>> recordingInserts() {
        return Map.of(
                "audit.audit_events", List.of("event_id", "time_stamp", "originating_service", "session_id",
                        "event_type", "details"),
                "billing.billing_events", List.of("event_id", "time_stamp", "session_id", "hashed_persistent_id",
                        "request_id", "idp_entity_id", "minimum_level_of_assurance", "provided_level_of_assurance",
                        "preferred_level_of_assurance", "transaction_entity_id"),
                "billing.fraud_events", List.of("event_id", "time_stamp", "session_id", "hashed_persistent_id",
                        "request_id", "entity_id", "fraud_event_id", "fraud_indicator", "transaction_entity_id"));
    }

    /**
     * The columns {@code FraudUploadRepository}'s statements name, by table. The rest ({@code id} from its sequence,
     * {@code recorded_xid}) take their defaults.
     */
    private static Map<String, List<String>> fraudUploadInserts() {
        return Map.of(
                "idp_data.upload_sessions", List.of("time_stamp", "source_file_name", "idp_entity_id", "userid",
                        "passed_validation", "source_object"),
                "idp_data.upload_session_validation_failures", List.of("upload_session_id", "row", "field",
                        "message"),
                "idp_data.idp_fraud_events", List.of("idp_entity_id", "idp_event_id", "time_stamp", "fid_code",
                        "request_id", "pid", "client_ip_address", "contra_score", "upload_session_id"),
                "idp_data.idp_fraud_event_contraindicators", List.of("idp_fraud_events_id", "contraindicator_code",
                        "count"));
    }

    private static List<Privilege> recording() {
        List<Privilege> checks = new ArrayList<>();
        checks.add(schema("audit", "USAGE"));
        checks.add(schema("billing", "USAGE"));
        for (String table : tables().subList(0, 3)) {
            checks.add(columns(table, "INSERT", recordingInserts().get(table)));
        }
        // INSERT … RETURNING tells a new event from a duplicate by these two columns.
        checks.add(columns("audit.audit_events", "SELECT", List.of("event_id", "time_stamp")));
        return checks;
    }

    private static List<Privilege> notRecording() {
        List<Privilege> checks = new ArrayList<>();
        for (String table : List.of("audit.audit_events", "billing.billing_events", "billing.fraud_events")) {
            for (String privilege : List.of("DELETE", "TRUNCATE")) {
                checks.add(table(table, privilege));
            }
        }
        checks.add(columns("audit.audit_events", "SELECT", List.of("details")));
        checks.add(schema("idp_data", "USAGE"));
        // The ledger's changes are noted by the tables' trigger (as its owner), never by a function's login.
        checks.add(schema("ledger", "USAGE"));
        return checks;
    }

    private static List<Privilege> fraudUpload() {
        List<Privilege> checks = new ArrayList<>();
        checks.add(schema("idp_data", "USAGE"));
        for (String table : tables().subList(3, 7)) {
            checks.add(columns(table, "INSERT", fraudUploadInserts().get(table)));
        }
        // claimed (INSERT … RETURNING id, or found by source_object), locked (FOR UPDATE) and finished (UPDATE)
        checks.add(table("idp_data.upload_sessions", "SELECT"));
        checks.add(columns("idp_data.upload_sessions", "UPDATE", fraudUploadUpdates()));
        checks.add(columns("idp_data.idp_fraud_events", "SELECT", List.of("id")));
        for (String sequence : List.of("idp_data.upload_sessions_id_seq",
                "idp_data.upload_session_validation_failures_id_seq", "idp_data.idp_fraud_events_id_seq")) {
            checks.add(new Privilege("USAGE ON SEQUENCE " + sequence, "has_sequence_privilege(%s, " + rel(sequence)
                    + ", 'USAGE')", false));
        }
        return checks;
    }

    private static List<Privilege> notFraudUpload() {
        List<Privilege> checks = new ArrayList<>();
        checks.add(schema("audit", "USAGE"));
        checks.add(schema("billing", "USAGE"));
        for (String table : tables().subList(3, 7)) {
            checks.add(table(table, "DELETE"));
            checks.add(table(table, "TRUNCATE"));
        }
        checks.add(schema("ledger", "USAGE"));
        return checks;
    }

    private static List<Privilege> export() {
        List<Privilege> checks = new ArrayList<>();
        for (String schema : List.of("audit", "billing", "idp_data")) {
            checks.add(schema(schema, "USAGE"));
        }
        for (String table : tables()) {
            checks.add(table(table, "SELECT"));
        }
        // Where UPDATE and DELETE on the exported tables are noted (V9), which a run reads to find changed days.
        checks.add(table("audit.export_changes", "SELECT"));
        // A manifest names the ledger's checkpoint that covers its rows.
        checks.add(schema("ledger", "USAGE"));
        checks.add(table(LEDGER_CHECKPOINTS, "SELECT"));
        return checks;
    }

    private static List<Privilege> notExport() {
        List<Privilege> checks = new ArrayList<>();
        for (String table : tables()) {
            // INSERT: by the column (check), which a whole table's INSERT covers
            for (String privilege : List.of("DELETE", "TRUNCATE")) {
                checks.add(table(table, privilege));
            }
        }
        for (String table : ledgerTables()) {
            for (String privilege : List.of("INSERT", "DELETE", "TRUNCATE")) {
                checks.add(table(table, privilege));
            }
        }
        checks.add(table("ledger.leaves", "SELECT"));
        checks.add(table("ledger.row_changes", "SELECT"));
        return checks;
    }

    private static List<Privilege> ledger() {
        List<Privilege> checks = new ArrayList<>();
        for (String schema : List.of("audit", "billing", "idp_data", "ledger")) {
            checks.add(schema(schema, "USAGE"));
        }
        for (String table : tables()) {
            checks.add(table(table, "SELECT"));
        }
        // The keys an UPDATE or DELETE changed (V11's trigger), read to make REVISED and REMOVED leaves.
        checks.add(table("ledger.row_changes", "SELECT"));
        for (String table : List.of(LEDGER_CHECKPOINTS, "ledger.leaves", "ledger.nodes")) {
            checks.add(table(table, "SELECT"));
            checks.add(table(table, "INSERT"));
        }
        checks.add(columns(LEDGER_CHECKPOINTS, "UPDATE", List.of("published_at")));
        return checks;
    }

    /**
     * Never a change to the functions' rows, nor to a leaf, node or signed checkpoint once written: the tree only
     * grows, and what was signed stays as it was signed. UPDATE is checked column by column (published_at alone).
     */
    private static List<Privilege> notLedger() {
        List<Privilege> checks = new ArrayList<>();
        for (String table : tables()) {
            for (String privilege : List.of("DELETE", "TRUNCATE")) {
                checks.add(table(table, privilege));
            }
        }
        checks.add(table("audit.export_changes", "SELECT"));
        for (String table : ledgerTables()) {
            for (String privilege : List.of("DELETE", "TRUNCATE")) {
                checks.add(table(table, privilege));
            }
        }
        checks.add(table("ledger.row_changes", "INSERT"));
        return checks;
    }
}
