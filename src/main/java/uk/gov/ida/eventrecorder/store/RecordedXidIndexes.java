package uk.gov.ida.eventrecorder.store;

import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Migration V10: a BRIN index on V9's {@code recorded_xid} on every exported table, through which the export asks for
 * the rows recorded since its last run. BRIN because the column grows with the order rows are written in: an insert
 * touches one small summary (often none), where a B-tree would take a page per insert (README, "Years of data"), and
 * a range's summary lets the search skip every page recorded before the last run.
 *
 * <p>Built {@code CONCURRENTLY}, so that recording goes on meanwhile: PostgreSQL cannot build that way on a partitioned
 * table, so {@code audit.audit_events} gets its index {@code ON ONLY} (invalid until every partition has one), each
 * partition its own, built concurrently, then attached, which makes the parent's valid
 * (<a href="https://www.postgresql.org/docs/15/sql-createindex.html">CREATE INDEX, "Building Indexes Concurrently"
 * and "Notes"</a>). Java, not SQL, because the partitions differ from one database to the next; outside a transaction,
 * as CONCURRENTLY needs. Safe to run again after a failure: an index a failed concurrent build left invalid is dropped
 * and built again, and one that is there is kept.
 */
public final class RecordedXidIndexes implements JavaMigration {
    private static final List<String> TABLES = List.of("billing.billing_events", "billing.fraud_events",
            "idp_data.upload_sessions", "idp_data.upload_session_validation_failures", "idp_data.idp_fraud_events",
            "idp_data.idp_fraud_event_contraindicators");
    private static final String PARTITIONED = "audit.audit_events";
    /** Summarised by autovacuum as soon as a range fills, so that the search skips it from then on. */
    private static final String USING = " USING brin (recorded_xid) WITH (autosummarize = on)";

    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("10");
    }

    @Override
    public String getDescription() {
        return "exported rows recorded xid indexes";
    }

    @Override
    public Integer getChecksum() {
        return null;
    }

    @Override
    public boolean canExecuteInTransaction() {
        return false;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            // A concurrent build waits for transactions that could use the table; the lock itself is brief.
            s.execute("SET lock_timeout = '10s'");
            for (String table : TABLES) {
                build(c, table, indexName(table));
            }
            String parent = indexName(PARTITIONED);
            s.execute("CREATE INDEX IF NOT EXISTS " + parent.substring(parent.indexOf('.') + 1) + " ON ONLY "
                    + PARTITIONED + USING);
            for (String partition : partitions(c)) {
                String index = indexName(partition);
                build(c, partition, index);
                if (!attached(c, index)) {
                    s.execute("ALTER INDEX " + parent + " ATTACH PARTITION " + index);
                }
            }
            s.execute("RESET lock_timeout");
        }
    }

    private static String indexName(String table) {
        return table + "_recorded_xid_idx";
    }

    private static void build(Connection c, String table, String index) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (invalid(c, index)) {
                s.execute("DROP INDEX CONCURRENTLY " + index);
            }
            s.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + index.substring(index.indexOf('.') + 1) + " ON "
                    + table + USING);
        }
    }

    private static boolean invalid(Connection c, String index) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(?)")) {
            s.setString(1, index);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static boolean attached(Connection c, String index) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT FROM pg_inherits "
                + "WHERE inhrelid = to_regclass(?))")) {
            s.setString(1, index);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static List<String> partitions(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT n.nspname || '.' || r.relname FROM pg_inherits i JOIN pg_class r ON r.oid = i.inhrelid "
                        + "JOIN pg_namespace n ON n.oid = r.relnamespace "
                        + "WHERE i.inhparent = 'audit.audit_events'::regclass ORDER BY 1")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
