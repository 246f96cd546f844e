package uk.gov.ida.eventrecorder.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The database role of each function, and exactly what it uses (docs/deploying.md, "Database privileges", whose SQL
 * creates them): a role holds every privilege its function needs and none that only another function needs, so that a
 * function's credentials, if taken, can do no more than that function does. {@code doctor --function} checks a login
 * against its function's role both ways.
 */
public enum DatabaseRole {
    /** The queue functions (event source and drain): insert events, tell a new one from a duplicate. */
    RECORDER("event_recorder", recording(), notRecording()),
    /** The archive replay: the same rows as the queue path, through the same statements. */
    REPLAY("event_recorder_replay", recording(), notRecording()),
    /** The fraud upload: its sessions (claimed, locked, finished), their failures and the fraud events. */
    FRAUD_UPLOAD("event_recorder_fraud_upload", fraudUpload(), notFraudUpload()),
    /** Migrations and the partition maintenance: the tables' owner. */
    MAINTENANCE("event_recorder_owner", Map.of(
            "ownership of audit.audit_events", "pg_has_role((SELECT relowner FROM pg_class WHERE oid = "
                    + rel("audit.audit_events") + "), 'USAGE')",
            "CREATE ON SCHEMA audit", "has_schema_privilege('audit', 'CREATE')"), Map.of()),
    /** The export (read-only): every table the functions write, read, nothing written. */
    EXPORT("event_recorder_export", export(), notExport());

    /** Every table any function writes. */
    public static final List<String> TABLES = tables();

    private final String defaultName;
    private final Map<String, String> needed;
    private final Map<String, String> notNeeded;

    DatabaseRole(String defaultName, Map<String, String> needed, Map<String, String> notNeeded) {
        this.defaultName = defaultName;
        this.needed = needed;
        this.notNeeded = notNeeded;
    }

    /** The role's name in docs/deploying.md's SQL and the template's defaults. */
    public String defaultName() {
        return defaultName;
    }

    /** {@code fraud-upload} for {@link #FRAUD_UPLOAD}: the name {@code doctor --function} takes. */
    public String functionName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * What the logged-in role lacks of what its function uses, and holds that it does not use.
     *
     * @return empty lists when the role is exactly right
     */
    public Check check(Connection connection) throws SQLException {
        return new Check(failing(connection, needed, false), failing(connection, notNeeded, true));
    }

    /** @param missing privileges the function uses and the role lacks; {@code excess} ones it holds and never uses */
    public record Check(List<String> missing, List<String> excess) {
        public boolean exact() {
            return missing.isEmpty() && excess.isEmpty();
        }
    }

    private static List<String> failing(Connection connection, Map<String, String> checks, boolean when)
            throws SQLException {
        List<String> failing = new ArrayList<>();
        try (Statement s = connection.createStatement()) {
            for (Map.Entry<String, String> check : checks.entrySet()) {
                try (ResultSet rs = s.executeQuery("SELECT coalesce(" + check.getValue() + ", false)")) {
                    rs.next();
                    if (rs.getBoolean(1) == when) {
                        failing.add(check.getKey());
                    }
                }
            }
        }
        failing.sort(String::compareTo);
        return failing;
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

    private static Map<String, String> recording() {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("USAGE ON SCHEMA audit", "has_schema_privilege('audit', 'USAGE')");
        checks.put("USAGE ON SCHEMA billing", "has_schema_privilege('billing', 'USAGE')");
        for (String table : List.of("audit.audit_events", "billing.billing_events", "billing.fraud_events")) {
            checks.put("INSERT ON " + table, "has_table_privilege(" + rel(table) + ", 'INSERT')");
        }
        // INSERT … RETURNING tells a new event from a duplicate by these two columns.
        checks.put("SELECT (event_id, time_stamp) ON audit.audit_events",
                "has_column_privilege(" + rel("audit.audit_events") + ", 'event_id', 'SELECT') "
                        + "AND has_column_privilege(" + rel("audit.audit_events") + ", 'time_stamp', 'SELECT')");
        return checks;
    }

    private static Map<String, String> notRecording() {
        Map<String, String> checks = new LinkedHashMap<>();
        for (String table : List.of("audit.audit_events", "billing.billing_events", "billing.fraud_events")) {
            for (String privilege : List.of("UPDATE", "DELETE", "TRUNCATE")) {
                checks.put(privilege + " ON " + table,
                        "has_table_privilege(" + rel(table) + ", '" + privilege + "')");
            }
        }
        checks.put("SELECT (details) ON audit.audit_events",
                "has_column_privilege(" + rel("audit.audit_events") + ", 'details', 'SELECT')");
        checks.put("USAGE ON SCHEMA idp_data", "has_schema_privilege('idp_data', 'USAGE')");
        return checks;
    }

    private static Map<String, String> fraudUpload() {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("USAGE ON SCHEMA idp_data", "has_schema_privilege('idp_data', 'USAGE')");
        for (String table : tables().subList(3, 7)) {
            checks.put("INSERT ON " + table, "has_table_privilege(" + rel(table) + ", 'INSERT')");
        }
        // claimed (INSERT … RETURNING id, or found by source_object), locked (FOR UPDATE) and finished (UPDATE)
        for (String privilege : List.of("SELECT", "UPDATE")) {
            checks.put(privilege + " ON idp_data.upload_sessions",
                    "has_table_privilege(" + rel("idp_data.upload_sessions") + ", '" + privilege + "')");
        }
        checks.put("SELECT (id) ON idp_data.idp_fraud_events",
                "has_column_privilege(" + rel("idp_data.idp_fraud_events") + ", 'id', 'SELECT')");
        for (String sequence : List.of("idp_data.upload_sessions_id_seq",
                "idp_data.upload_session_validation_failures_id_seq", "idp_data.idp_fraud_events_id_seq")) {
            checks.put("USAGE ON SEQUENCE " + sequence, "has_sequence_privilege(" + rel(sequence) + ", 'USAGE')");
        }
        return checks;
    }

    private static Map<String, String> notFraudUpload() {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("USAGE ON SCHEMA audit", "has_schema_privilege('audit', 'USAGE')");
        checks.put("USAGE ON SCHEMA billing", "has_schema_privilege('billing', 'USAGE')");
        for (String table : tables().subList(3, 7)) {
            checks.put("DELETE ON " + table, "has_table_privilege(" + rel(table) + ", 'DELETE')");
            checks.put("TRUNCATE ON " + table, "has_table_privilege(" + rel(table) + ", 'TRUNCATE')");
        }
        checks.put("UPDATE ON idp_data.idp_fraud_events",
                "has_table_privilege(" + rel("idp_data.idp_fraud_events") + ", 'UPDATE')");
        return checks;
    }

    private static Map<String, String> export() {
        Map<String, String> checks = new LinkedHashMap<>();
        for (String schema : List.of("audit", "billing", "idp_data")) {
            checks.put("USAGE ON SCHEMA " + schema, "has_schema_privilege('" + schema + "', 'USAGE')");
        }
        for (String table : tables()) {
            checks.put("SELECT ON " + table, "has_table_privilege(" + rel(table) + ", 'SELECT')");
        }
        return checks;
    }

    private static Map<String, String> notExport() {
        Map<String, String> checks = new LinkedHashMap<>();
        for (String table : tables()) {
            for (String privilege : List.of("INSERT", "UPDATE", "DELETE", "TRUNCATE")) {
                checks.put(privilege + " ON " + table,
                        "has_table_privilege(" + rel(table) + ", '" + privilege + "')");
            }
        }
        return checks;
    }
}
