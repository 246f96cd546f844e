package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * V12 builds ledger.row_changes' key index CONCURRENTLY, outside a transaction. A build that is cancelled (a statement
 * timeout, the pipeline's step killed, a long export's snapshot it waited for) leaves an INVALID index of that name;
 * the next migrate must not take it for the finished index.
 */
class LedgerRowChangesIndexRetryTest {
    private final TestDatabase server = TestDatabase.get();

    @Test
    void aV12BuildCancelledWhileItWaitedForALongTransactionIsBuiltAgainByTheNextMigrateNotLeftInvalid()
            throws Exception {
        String name = "ledger_v12_retry_" + ProcessHandle.current().pid();
        server.admin("DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name);
        DatabaseSettings at = server.settings();
        DatabaseSettings settings = new DatabaseSettings(at.host(), at.port(), name, at.user(), at.password(),
                at.sslMode(), at.sslRootCert());
        try {
            try (HikariDataSource db = TestDatabase.open(settings, 2)) {
                flyway(db, "11").migrate();
            }
            // Given a long transaction holding a snapshot (an export's REPEATABLE READ run), and a migrate whose
            // statements time out
            server.admin("ALTER DATABASE " + name + " SET statement_timeout = '3s'");
            try (HikariDataSource blockerPool = TestDatabase.open(settings, 1);
                 Connection blocker = blockerPool.getConnection()) {
                blocker.setAutoCommit(false);
                blocker.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                try (Statement s = blocker.createStatement()) {
                    s.execute("SELECT count(*) FROM audit.audit_events");
                }
                try (HikariDataSource db = TestDatabase.open(settings, 2)) {
                    // When V12's concurrent build waits for it and is cancelled
                    assertThrows(Exception.class, () -> flyway(db, "latest").migrate());
                }
                blocker.rollback();
            }
            server.admin("ALTER DATABASE " + name + " RESET statement_timeout");
            // And migrate is run again, after flyway repair as operating.md says for a failed non-transactional one
            try (HikariDataSource db = TestDatabase.open(settings, 2)) {
                flyway(db, "latest").repair();
                flyway(db, "latest").migrate();
                Tables tables = new Tables(db);
                assertEquals(12, ((Number) tables.query("SELECT max(version::int) AS v FROM flyway_schema_history "
                        + "WHERE success").get(0).get("v")).intValue());

                // Then the index verify-event's lookup probes is there and valid
                assertEquals(Map.of("valid", true), tables.query("SELECT indisvalid AS valid FROM pg_index WHERE "
                        + "indexrelid = 'ledger.row_changes_row'::regclass").get(0));
            }
        } finally {
            server.admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static Flyway flyway(HikariDataSource db, String target) {
        return LedgerMigrationOnlineTest.flyway(db, target);
    }
}
