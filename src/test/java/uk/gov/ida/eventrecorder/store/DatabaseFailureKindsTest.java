package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of database failure a real PostgreSQL can be made to produce: the whole batch fails at once as a
 * database failure (one statement, or two when the connection is replaced and tried again; never the 19 of a
 * halving search over 10 rows), and the same repository records the batch once the cause is removed.
 *
 * <p>The recorder runs as an INSERT-only role, as in production (docs/deploying.md, "Database privileges"), through the
 * production pool with one connection.
 */
class DatabaseFailureKindsTest {
    private static final Duration OPEN_FOR = Duration.ofMillis(300);
    private final TestDatabase database = TestDatabase.get();
    private final Tables tables = new Tables(database.dataSource());
    private final EventParser parser = new EventParser();
    private final String role = "recorder_" + UUID.randomUUID().toString().substring(0, 8);
    private HikariDataSource pool;
    private EventRepository repository;

    @BeforeEach
    void setUp() {
        database.truncateAll();
        database.admin("CREATE ROLE " + role + " LOGIN",
                "GRANT USAGE ON SCHEMA audit, billing TO " + role,
                "GRANT INSERT ON audit.audit_events, billing.billing_events, billing.fraud_events TO " + role,
                "GRANT SELECT (event_id, time_stamp) ON audit.audit_events TO " + role);
        DatabaseSettings settings = database.settings();
        DatabaseSettings asRole = new DatabaseSettings(settings.host(), settings.port(), settings.database(), role,
                settings.password(), settings.sslMode(), settings.sslRootCert());
        pool = ConnectionPool.open(asRole, () -> Credentials.of(role, "trust-auth-ignores-this"), false,
                Duration.ofMillis(500), Duration.ofSeconds(11), "failure-kinds", 1);
        repository = new EventRepository(pool, new DatabaseCircuit(OPEN_FOR), Duration.ofSeconds(1));
    }

    @AfterEach
    void tearDown() {
        pool.close();
        database.admin("ALTER DATABASE " + database.settings().database() + " RESET default_transaction_read_only",
                "DROP OWNED BY " + role, "DROP ROLE " + role);
    }

    @Test
    void aReadOnlyDatabaseFailsTheBatchAtOnceAndTheReadOnlyConnectionIsNotKept() throws Exception {
        assertRecorded(repository.record(batch(10)));
        database.admin("ALTER DATABASE " + database.settings().database() + " SET default_transaction_read_only = on");
        // The pooled connection predates the change and still writes: as after a failover, the pool is replaced
        // by connections opened during it, which stay read-only.
        pool.getHikariPoolMXBean().softEvictConnections();

        assertDatabaseFailure(batch(10), "25006", 2);

        database.admin("ALTER DATABASE " + database.settings().database() + " RESET default_transaction_read_only");
        assertRecoversAfterTheCircuitsOpenPeriod();
    }

    @Test
    void aRevokedPrivilegeFailsTheBatchAtOnce() throws Exception {
        database.admin("REVOKE INSERT ON audit.audit_events FROM " + role);

        assertDatabaseFailure(batch(10), "42501", 1);

        database.admin("GRANT INSERT ON audit.audit_events TO " + role);
        assertRecoversAfterTheCircuitsOpenPeriod();
    }

    @Test
    void aMissingTableAfterABadDeployFailsTheBatchAtOnce() throws Exception {
        database.admin("ALTER TABLE audit.audit_events RENAME TO audit_events_moved");
        try {
            assertDatabaseFailure(batch(10), "42P01", 1);
        } finally {
            database.admin("ALTER TABLE audit.audit_events_moved RENAME TO audit_events");
        }
        assertRecoversAfterTheCircuitsOpenPeriod();
    }

    @Test
    void aStatementStuckBehindAHeldLockTimesOutAndFailsTheBatchAtOnce() throws Exception {
        try (Connection locker = database.dataSource().getConnection(); Statement s = locker.createStatement()) {
            locker.setAutoCommit(false);
            s.execute("LOCK TABLE audit.audit_events IN ACCESS EXCLUSIVE MODE");

            assertDatabaseFailure(batch(10), "57014", 1);

            locker.rollback();
        }
        assertRecoversAfterTheCircuitsOpenPeriod();
    }

    @Test
    void withTheTimeoutSetOnTheSessionTheServerCancelsAStuckStatementAndTheConnectionIsKept() throws Exception {
        DatabaseSettings settings = database.settings();
        DatabaseSettings asRole = new DatabaseSettings(settings.host(), settings.port(), settings.database(), role,
                settings.password(), settings.sslMode(), settings.sslRootCert());
        // As the functions' pool is opened (DatabaseLogin): statement_timeout in the login, no driver timer.
        try (HikariDataSource timed = ConnectionPool.open(asRole, () -> Credentials.of(role, "ignored"),
                settings.sslMode(), settings.sslRootCert(), Duration.ofMillis(500), Duration.ofSeconds(11),
                java.util.Optional.of(Duration.ofMillis(800)), "session-timed", 1)) {
            EventRepository sessionTimed = new EventRepository(() -> timed, new DatabaseCircuit(OPEN_FOR),
                    Duration.ofMillis(800), Duration.ofMillis(500), true);
            int backend;
            try (Connection c = timed.getConnection(); Statement s = c.createStatement()) {
                var rs = s.executeQuery("SELECT pg_backend_pid(), current_setting('statement_timeout')");
                rs.next();
                backend = rs.getInt(1);
                assertEquals("800ms", rs.getString(2), "set at login");
            }
            try (Connection locker = database.dataSource().getConnection(); Statement s = locker.createStatement()) {
                locker.setAutoCommit(false);
                s.execute("LOCK TABLE audit.audit_events IN ACCESS EXCLUSIVE MODE");
                long started = System.nanoTime();
                DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class,
                        () -> sessionTimed.record(batch(10)));
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(e.getMessage().contains("SQLSTATE 57014"), e.getMessage());
                assertTrue(millis < 5_000, "cancelled by the server's timeout, not the 11 s socket timeout: " + millis);
                locker.rollback();
            }
            try (Connection c = timed.getConnection(); Statement s = c.createStatement()) {
                var rs = s.executeQuery("SELECT pg_backend_pid()");
                rs.next();
                assertEquals(backend, rs.getInt(1), "the same session: a cancelled statement keeps its connection");
            }
        }
    }

    @Test
    void aRoleOutOfConnectionSlotsFailsTheBatchAtOnce() throws Exception {
        database.admin("ALTER ROLE " + role + " CONNECTION LIMIT 0");

        DatabaseUnavailableException e = assertDatabaseFailure(batch(10), null, 1);
        assertTrue(e.getMessage().contains("SQLSTATE 08") || e.getMessage().contains("53300"), e.getMessage());

        database.admin("ALTER ROLE " + role + " CONNECTION LIMIT -1");
        assertRecoversAfterTheCircuitsOpenPeriod();
    }

    @Test
    void aTerminatedBackendIsReplacedAndTheBatchRecordedWithoutFailing() {
        assertRecorded(repository.record(batch(10)));
        long before = repository.statementsExecuted();
        database.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");

        assertRecorded(repository.record(batch(10)));

        assertTrue(repository.statementsExecuted() - before <= 2, "at most one retry on a fresh connection");
        assertEquals(20, tables.count("audit.audit_events"));
    }

    @Test
    void anOversizedKeyThatReachesTheDatabaseStillFailsAloneAsTheRowsFault() {
        // A key larger than a B-tree index row can hold (SQLSTATE 54000) describes the row, not the database.
        List<AuditEvent> events = new ArrayList<>(batch(9));
        StringBuilder huge = new StringBuilder();
        while (huge.length() < 12_000) {
            huge.append(UUID.randomUUID());
        }
        // The parser refuses such a key before the database; built past it, as a parser bug would let one through.
        AuditEvent normal = parser.parse(EventBuilder.otherSession().json());
        events.add(4, new AuditEvent(huge.toString(), normal.timeStamp(), normal.originatingService(),
                normal.sessionId(), normal.eventType(), normal.detailsJson(), normal.billing(), normal.fraud(),
                normal.derivedRowProblem()));

        List<StoreResult> results = repository.record(events);

        assertEquals(StoreResult.Status.REJECTED, results.get(4).status());
        assertTrue(results.get(4).detail().startsWith("SQLSTATE 54000"), results.get(4).detail());
        assertEquals(9, results.stream().filter(r -> r.status() == StoreResult.Status.RECORDED).count());
        assertTrue(repository.acceptingWork(), "a row's error does not open the circuit");
    }

    @Test
    void whileTheCircuitIsOpenABatchFailsWithoutTouchingTheDatabaseThenOneProbes() throws Exception {
        database.admin("REVOKE INSERT ON audit.audit_events FROM " + role);
        assertDatabaseFailure(batch(10), "42501", 1);
        long statements = repository.statementsExecuted();

        DatabaseUnavailableException open = assertThrows(DatabaseUnavailableException.class,
                () -> repository.record(batch(10)));

        assertTrue(open.getMessage().contains("circuit open"), open.getMessage());
        assertEquals(statements, repository.statementsExecuted(), "no statement while the circuit is open");
        assertTrue(!repository.acceptingWork());
        Thread.sleep(OPEN_FOR.toMillis() + 100);
        assertTrue(repository.acceptingWork(), "half-open: the next batch probes");
        assertThrows(DatabaseUnavailableException.class, () -> repository.record(batch(10)));
        assertEquals(statements + 1, repository.statementsExecuted(), "exactly one probe");
    }

    private DatabaseUnavailableException assertDatabaseFailure(List<AuditEvent> events, String sqlState,
                                                               int statements) {
        long before = repository.statementsExecuted();
        DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class,
                () -> repository.record(events));
        if (sqlState != null) {
            assertTrue(e.getMessage().contains("SQLSTATE " + sqlState), e.getMessage());
        }
        assertEquals(statements, repository.statementsExecuted() - before, "statements sent: no halving");
        assertTrue(!repository.acceptingWork(), "the circuit opened");
        return e;
    }

    private void assertRecoversAfterTheCircuitsOpenPeriod() throws InterruptedException {
        Thread.sleep(OPEN_FOR.toMillis() + 100);
        long before = tables.count("audit.audit_events");
        assertRecorded(repository.record(batch(10)));
        assertEquals(before + 10, tables.count("audit.audit_events"));
        assertTrue(repository.acceptingWork(), "the probe's success closed the circuit");
    }

    private static void assertRecorded(List<StoreResult> results) {
        assertTrue(results.stream().allMatch(r -> r.status() == StoreResult.Status.RECORDED), results.toString());
    }

    private List<AuditEvent> batch(int n) {
        return IntStream.range(0, n).mapToObj(i -> parser.parse(
                (i % 3 == 0 ? EventBuilder.billing() : i % 3 == 1 ? EventBuilder.fraud() : EventBuilder.errorEvent())
                        .json())).toList();
    }

}
