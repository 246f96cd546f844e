package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * V11 is online: it creates the ledger's schema and replaces the trigger function, and waits for no lock a writer
 * holds. Shown with a transaction left open across the migration that has inserted into every exported table and
 * updated one (so it holds their ROW EXCLUSIVE locks and has run the function V11 replaces): were V11 to need a lock
 * that conflicts, its {@code lock_timeout} would fail it (SQLSTATE 55P03) instead of it completing here.
 */
class LedgerMigrationOnlineTest {
    private final TestDatabase server = TestDatabase.get();

    @Test
    void v11CompletesWhileAWritersTransactionIsOpenAndItsTriggerNotesKeysFromThen() throws Exception {
        String name = "ledger_online_" + ProcessHandle.current().pid();
        server.admin("DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name);
        DatabaseSettings at = server.settings();
        try (HikariDataSource db = TestDatabase.open(new DatabaseSettings(at.host(), at.port(), name, at.user(),
                at.password(), at.sslMode(), at.sslRootCert()), 4)) {
            flyway(db, "10").migrate();
            Tables tables = new Tables(db);
            try (Connection writer = db.getConnection()) {
                // Given a writer's transaction, open, that has written to every exported table
                writer.setAutoCommit(false);
                try (Statement s = writer.createStatement()) {
                    s.execute("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type) "
                            + "VALUES ('open', '2026-12-07 05:00', 'hub', 'session_event')");
                    s.execute("INSERT INTO billing.billing_events (event_id, time_stamp, session_id, "
                            + "hashed_persistent_id, request_id, idp_entity_id, minimum_level_of_assurance, "
                            + "provided_level_of_assurance, preferred_level_of_assurance, transaction_entity_id) VALUES "
                            + "('open', '2026-12-07 05:00', 's', 'p', 'r', 'i', 'L1', 'L1', 'L1', 't')");
                    s.execute("UPDATE billing.billing_events SET session_id = 's2' WHERE event_id = 'open'");
                    s.execute("INSERT INTO billing.fraud_events (event_id, time_stamp, session_id, "
                            + "hashed_persistent_id, request_id, entity_id, fraud_event_id, fraud_indicator, "
                            + "transaction_entity_id) VALUES ('open', '2026-12-07 05:00', 's', 'p', 'r', 'e', 'f', "
                            + "'FI', 't')");
                    s.execute("WITH u AS (INSERT INTO idp_data.upload_sessions (time_stamp, source_file_name, "
                            + "idp_entity_id, userid, passed_validation) VALUES ('2026-12-07', 'f', 'i', 'u', true) "
                            + "RETURNING id), v AS (INSERT INTO idp_data.upload_session_validation_failures "
                            + "(upload_session_id, row, field, message) SELECT id, 1, 'f', 'm' FROM u), e AS (INSERT "
                            + "INTO idp_data.idp_fraud_events (idp_entity_id, idp_event_id, time_stamp, fid_code, "
                            + "request_id, pid, client_ip_address, contra_score, upload_session_id) SELECT 'i', 'e', "
                            + "'2026-12-07', 'F', 'r', 'p', 'ip', 1, id FROM u RETURNING id) INSERT INTO "
                            + "idp_data.idp_fraud_event_contraindicators SELECT id, 'C', 1 FROM e");
                }

                // When V11 is applied meanwhile, and V12 after it (its index changes CONCURRENTLY: they wait for
                // no lock the writer holds, and for no snapshot, since a READ COMMITTED writer between statements
                // holds none)
                flyway(db, "latest").migrate();

                // Then both are applied, and the writer commits
                assertEquals(12, ((Number) tables.query("SELECT max(version::int) AS v FROM flyway_schema_history")
                        .get(0).get("v")).intValue());
                writer.commit();
            }
            // And the replaced function notes the keys of what changes from then on
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                s.execute("UPDATE billing.billing_events SET session_id = 's3' WHERE event_id = 'open'");
                s.execute("DELETE FROM idp_data.idp_fraud_event_contraindicators");
            }
            assertEquals(List.of(Map.of("table_name", "billing.billing_events", "row_key", "[\"open\"]"),
                            Map.of("table_name", "idp_data.idp_fraud_event_contraindicators", "row_key",
                                    "[" + tables.query("SELECT id FROM idp_data.idp_fraud_events").get(0).get("id")
                                            + ", \"C\"]")),
                    tables.query("SELECT table_name, row_key::text AS row_key FROM ledger.row_changes ORDER BY 1"));
        } finally {
            server.admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** The project's migrations to a target, with migrate's session lock (SchemaMigrations). */
    static Flyway flyway(HikariDataSource db, String target) {
        return Flyway.configure().dataSource(db).locations("classpath:db/migration")
                .javaMigrations(new RecordedXidIndexes()).target(target)
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false")).load();
    }
}
