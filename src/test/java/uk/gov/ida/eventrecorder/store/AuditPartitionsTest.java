package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The monthly partitions of audit.audit_events, on databases of their own: converted from a populated V2 table as a
 * deployed one would be, and kept ahead of the calendar by {@link AuditPartitions}.
 */
class AuditPartitionsTest {
    private static final String ROLE = "partition_recorder_" + ProcessHandle.current().pid();

    private final TestDatabase server = TestDatabase.get();
    private final EventParser parser = new EventParser();
    private final List<Runnable> cleanUp = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        cleanUp.forEach(Runnable::run);
    }

    @Test
    void aPopulatedTableBecomesTheHistoryPartitionInPlaceKeepingItsRowsGrantsAndPrimaryKey() throws Exception {
        HikariDataSource db = databaseAt("2");
        Tables tables = new Tables(db);
        admin(db, "INSERT INTO audit.audit_events SELECT 'old-' || i, timestamp '2019-01-01' + i * interval '1 hour', "
                        + "'hub', 'session-' || i, 'session_event', '{\"n\": 1}' FROM generate_series(1, 5000) i",
                // a row dated past any cut-over (a producer's clock): set aside while the old table is fenced
                "INSERT INTO audit.audit_events VALUES ('far-future', '2090-06-01', 'hub', NULL, 'session_event', NULL)",
                "CREATE ROLE " + ROLE + " LOGIN",
                "GRANT USAGE ON SCHEMA audit, billing TO " + ROLE,
                "GRANT INSERT ON audit.audit_events, billing.billing_events, billing.fraud_events TO " + ROLE,
                "GRANT SELECT (event_id, time_stamp) ON audit.audit_events TO " + ROLE);
        cleanUp.add(() -> server.admin("DROP OWNED BY " + ROLE, "DROP ROLE " + ROLE));
        long fileBefore = (Long) tables.query("SELECT relfilenode::bigint AS f FROM pg_class "
                + "WHERE oid = 'audit.audit_events'::regclass").get(0).get("f");

        SchemaMigrations.apply(db);

        assertEquals("p", tables.query("SELECT relkind::text AS k FROM pg_class WHERE oid = 'audit.audit_events'::regclass")
                .get(0).get("k"), "audit.audit_events is now a partitioned table");
        assertEquals(fileBefore, tables.query("SELECT relfilenode::bigint AS f FROM pg_class "
                        + "WHERE oid = 'audit.audit_events_history'::regclass").get(0).get("f"),
                "the old table is the history partition, its rows where they were: not copied, not rewritten");
        assertEquals(5001L, tables.count("audit.audit_events"));
        assertEquals(5000L, tables.count("audit.audit_events_history"));
        assertEquals("audit.audit_events_default", tables.query("SELECT tableoid::regclass::text AS t "
                + "FROM audit.audit_events WHERE event_id = 'far-future'").get(0).get("t"));
        assertEquals(List.of(), tables.query("SELECT 1 FROM pg_class WHERE relname IN ('audit_events_event_id_idx', "
                + "'audit_events_held', 'partition_cutover')"), "the duplicate index and the migration's scaffolding are gone");

        // The functions' role records through the same name with only the grants it had before.
        try (HikariDataSource asRole = TestDatabase.open(settings(db, ROLE), 2)) {
            EventRepository repository = new EventRepository(asRole, new DatabaseCircuit(Duration.ofSeconds(1)),
                    Duration.ofSeconds(20));
            AuditEvent old = parser.parse(EventBuilder.billing().eventId("old-7")
                    .timestampIso("2019-01-01T07:00:00Z").json());
            AuditEvent fresh = parser.parse(EventBuilder.billing().json());
            List<StoreResult> results = repository.record(List.of(old, fresh, fresh));
            assertEquals(List.of(StoreResult.Status.DUPLICATE, StoreResult.Status.RECORDED,
                    StoreResult.Status.DUPLICATE), results.stream().map(StoreResult::status).toList());
        }
        assertEquals(5002L, tables.count("audit.audit_events"));
    }

    @Test
    void eventsEitherSideOfAMonthBoundaryGoToTheirOwnMonthsAndARedeliveryIsStillADuplicate() throws Exception {
        HikariDataSource db = databaseAt(null);
        Tables tables = new Tables(db);
        EventRepository repository = new EventRepository(db, new DatabaseCircuit(Duration.ofSeconds(1)),
                Duration.ofSeconds(20));
        // Three months ahead: both sides lie past a fresh database's cut-over (at most two months ahead), in months
        // of their own.
        LocalDateTime nextMonth = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                .plusMonths(3);
        String id = UUID.randomUUID().toString();
        // The same event id either side of midnight: two audit rows (the key holds the time), in two partitions.
        AuditEvent before = parser.parse(EventBuilder.errorEvent().eventId(id)
                .timestampIso(nextMonth.minusNanos(1_000_000).toString() + "Z").json());
        AuditEvent after = parser.parse(EventBuilder.errorEvent().eventId(id).timestampIso(nextMonth + "Z").json());

        assertEquals(List.of(StoreResult.Status.RECORDED, StoreResult.Status.RECORDED),
                repository.record(List.of(before, after)).stream().map(StoreResult::status).toList());
        assertEquals(List.of(StoreResult.Status.DUPLICATE, StoreResult.Status.DUPLICATE),
                repository.record(List.of(after, before)).stream().map(StoreResult::status).toList());

        List<Map<String, Object>> rows = tables.query("SELECT tableoid::regclass::text AS t FROM audit.audit_events "
                + "WHERE event_id = ? ORDER BY time_stamp", id);
        String lastOfMonth = nextMonth.minusMonths(1).toLocalDate().toString().substring(0, 7).replace('-', '_');
        String firstOfNext = nextMonth.toLocalDate().toString().substring(0, 7).replace('-', '_');
        assertEquals(List.of("audit.audit_events_" + lastOfMonth, "audit.audit_events_" + firstOfNext),
                rows.stream().map(r -> r.get("t")).toList());
    }

    @Test
    void whenMaintenanceStoppedTheDefaultPartitionCatchesTheMonthAndTheNextRunMovesItOut() throws Exception {
        HikariDataSource db = databaseAt(null);
        Tables tables = new Tables(db);
        LocalDateTime until;
        try (Connection c = db.getConnection()) {
            until = AuditPartitions.state(c).preparedUntil();
            assertEquals(LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                    .plusMonths(AuditPartitions.MONTHS_AHEAD + 1), until, "prepared through the third month ahead");
        }
        // The maintenance run stopped before the last month: undo its partition (it is empty).
        String lastMonth = "audit_events_" + until.minusMonths(1).toLocalDate().toString().substring(0, 7).replace('-', '_');
        admin(db, "DROP TABLE audit." + lastMonth);
        EventRepository repository = new EventRepository(db, new DatabaseCircuit(Duration.ofSeconds(1)),
                Duration.ofSeconds(20));
        AuditEvent event = parser.parse(EventBuilder.billing().timestampIso(until.minusDays(3) + "Z").json());

        assertEquals(StoreResult.Status.RECORDED, repository.record(List.of(event)).get(0).status(),
                "no partition for its month: the event is recorded all the same");
        try (Connection c = db.getConnection()) {
            assertEquals(new AuditPartitions.State(until.minusMonths(1), 1, false), AuditPartitions.state(c));

            assertEquals(1, AuditPartitions.prepare(c), "the missing month is created");
            assertEquals(new AuditPartitions.State(until, 0, false), AuditPartitions.state(c));
            assertEquals(0, AuditPartitions.prepare(c), "running again changes nothing");
        }
        assertEquals("audit." + lastMonth, tables.query("SELECT tableoid::regclass::text AS t FROM audit.audit_events "
                + "WHERE event_id = ?", event.eventId()).get(0).get("t"));
    }

    @Test
    void aMonthMovedOutOfTheDefaultPartitionKeepsItsRowsRecordedXidTakesTheExportsIndexAndIsNoChangeToExport()
            throws Exception {
        // Given a month whose partition is missing, and an event of it caught by the default partition
        HikariDataSource db = databaseAt(null);
        Tables tables = new Tables(db);
        LocalDateTime until = preparedUntil(db);
        String month = monthPartition(until.minusMonths(1));
        admin(db, "DROP TABLE audit." + month);
        AuditEvent event = parser.parse(EventBuilder.billing().timestampIso(until.minusDays(3) + "Z").json());
        new EventRepository(db, new DatabaseCircuit(Duration.ofSeconds(1)), Duration.ofSeconds(20))
                .record(List.of(event));
        String xid = "SELECT recorded_xid AS x FROM audit.audit_events WHERE event_id = ?";
        Object recorded = tables.query(xid, event.eventId()).get(0).get("x");

        // When the maintenance creates the month and moves the event into it
        try (Connection c = db.getConnection()) {
            assertEquals(1, AuditPartitions.prepare(c));
        }

        // Then the event keeps the transaction that recorded it (the export finds rows by it), the new partition has
        // the export's BRIN index, attached to the partitioned table's, and the move (rows unchanged) is not noted as
        // a change the export must compare
        assertEquals(recorded, tables.query(xid, event.eventId()).get(0).get("x"));
        assertEquals(List.of(Map.of("i", "audit.audit_events_recorded_xid_idx", "valid", true)), tables.query(
                "SELECT p.inhparent::regclass::text AS i, x.indisvalid AS valid FROM pg_index x "
                        + "JOIN pg_am a ON a.oid = (SELECT relam FROM pg_class WHERE oid = x.indexrelid) "
                        + "JOIN pg_inherits p ON p.inhrelid = x.indexrelid "
                        + "WHERE x.indrelid = 'audit." + month + "'::regclass AND a.amname = 'brin'"));
        assertEquals(List.of(), tables.query("SELECT * FROM audit.export_changes"));
    }

    @Test
    // A regression once made the catch-up wait for the default partition to hold none of a month that was still
    // being recorded: it never ended on a loaded machine. It must end, whatever the recorder does meanwhile.
    @org.junit.jupiter.api.Timeout(value = 120, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void maintenanceCatchingUpOnMonthsOfEventsInTheDefaultPartitionNeverStopsRecording() throws Exception {
        // The one-transaction SQL function, for the figure only: it holds the default partition's lock throughout.
        CatchUp before = catchUp(c -> {
            try (var s = c.createStatement()) {
                s.execute("SELECT audit.prepare_partitions(" + AuditPartitions.MONTHS_AHEAD + ")");
            }
        });
        CatchUp after = catchUp(c -> AuditPartitions.prepare(c, Duration.ofSeconds(120)));

        System.out.printf("partition catch-up of %,d events over %d months in the default partition, recording "
                        + "beside it: one transaction (before): %,d ms, %,d batches recorded meanwhile, worst batch "
                        + "%,d ms; a month at a time in steps (now): %,d ms, %,d batches, worst batch %,d ms%n",
                BACKLOG_PER_MONTH * (long) MONTHS, MONTHS, before.millis, before.batches, before.worstInsertMillis, after.millis,
                after.batches, after.worstInsertMillis);
        assertTrue(after.batches > 1, "recording went on while maintenance caught up: " + after.batches);
        assertTrue(after.worstInsertMillis < 10_000, "no batch waited behind the maintenance for seconds");
    }

    @Test
    void aBatchThatWaitedWhileMaintenanceAttachedItsMonthIsRetriedIntoTheNewPartitionNotFailed() throws Exception {
        HikariDataSource db = databaseAt(null);
        Tables tables = new Tables(db);
        LocalDateTime until = preparedUntil(db);
        String month = monthPartition(until.minusMonths(1));
        admin(db, "DROP TABLE audit." + month); // its events go to the default partition now
        AuditEvent event = parser.parse(EventBuilder.billing().timestampIso(until.minusDays(3) + "Z").json());
        EventRepository repository = new EventRepository(db, new DatabaseCircuit(Duration.ofSeconds(1)),
                Duration.ofSeconds(20));
        try (Connection maintenance = db.getConnection(); var s = maintenance.createStatement()) {
            maintenance.setAutoCommit(false);
            s.execute("CREATE TABLE audit." + month + " (LIKE audit.audit_events INCLUDING DEFAULTS INCLUDING INDEXES)");
            s.execute("LOCK TABLE audit.audit_events_default IN SHARE ROW EXCLUSIVE MODE");
            // The batch routes its row to the default partition, then waits for the maintenance's lock.
            var recording = java.util.concurrent.CompletableFuture.supplyAsync(() -> repository.record(List.of(event)));
            long deadline = System.currentTimeMillis() + 10_000;
            while (tables.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND wait_event_type = 'Lock' AND query LIKE "
                    + "'%audit_rows%'").isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "the batch waits for the lock");
                Thread.sleep(10);
            }
            s.execute("ALTER TABLE audit.audit_events ATTACH PARTITION audit." + month + " FOR VALUES FROM ('"
                    + until.minusMonths(1) + "') TO ('" + until + "')");
            maintenance.commit();

            // Woken, the statement finds the row no longer belongs in the default partition (23514): tried again,
            // it goes to the new partition.
            assertEquals(StoreResult.Status.RECORDED, recording.get(20, java.util.concurrent.TimeUnit.SECONDS)
                    .get(0).status());
        }
        assertEquals("audit." + month, tables.query("SELECT tableoid::regclass::text AS t FROM audit.audit_events "
                + "WHERE event_id = ?", event.eventId()).get(0).get("t"));
        assertEquals(1, tables.billing(event.eventId()).size());
    }

    @Test
    void aMaintenanceRunThatStoppedHalfWayThroughAMonthIsFinishedByTheNextRun() throws Exception {
        HikariDataSource db = databaseAt(null);
        Tables tables = new Tables(db);
        LocalDateTime until = preparedUntil(db);
        LocalDateTime from = until.minusMonths(1);
        String month = monthPartition(from);
        admin(db, "DROP TABLE audit." + month,
                "INSERT INTO audit.audit_events SELECT 'e-' || i, timestamp '" + from + "' + i * interval '1 minute', "
                        + "'hub', 's', 'session_event', '{}' FROM generate_series(1, 300) i",
                // the run that stopped: its table created, a step of rows moved into it, never attached
                "CREATE TABLE audit." + month + " (LIKE audit.audit_events INCLUDING DEFAULTS INCLUDING INDEXES)",
                "WITH moved AS (DELETE FROM audit.audit_events_default WHERE event_id IN (SELECT 'e-' || i FROM "
                        + "generate_series(1, 100) i) RETURNING *) INSERT INTO audit." + month + " SELECT * FROM moved");
        assertEquals(200, tables.count("audit.audit_events"), "100 rows stranded in the detached table");

        try (Connection c = db.getConnection()) {
            assertEquals(1, AuditPartitions.prepare(c));
            assertEquals(new AuditPartitions.State(until, 0, false), AuditPartitions.state(c));
        }
        assertEquals(300, tables.count("audit.audit_events"), "every row readable again, once");
        assertEquals(300, tables.count("audit." + month));
    }

    private static final int BACKLOG_PER_MONTH = 40_000;
    /** The months a fresh database's maintenance prepares: the cut-over's and those up to three ahead. */
    private static final int MONTHS = AuditPartitions.MONTHS_AHEAD;

    private record CatchUp(long millis, long batches, long worstInsertMillis) {
    }

    private interface Maintenance {
        void run(Connection c) throws Exception;
    }

    /**
     * A database whose maintenance stopped months ago (the default partition holds three months of events), caught up
     * by {@code maintenance} while a recorder writes 10-event batches into those months. Checks that nothing failed
     * and every event is in its month's partition once.
     */
    private CatchUp catchUp(Maintenance maintenance) throws Exception {
        HikariDataSource db = databaseAt(null);
        Tables tables = new Tables(db);
        LocalDateTime from;
        try (Connection c = db.getConnection(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON c.oid = "
                     + "i.inhrelid WHERE i.inhparent = 'audit.audit_events'::regclass AND c.relname ~ '_[0-9]{4}_[0-9]{2}$'")) {
            List<String> months = new ArrayList<>();
            while (rs.next()) {
                months.add(rs.getString(1));
            }
            for (String month : months) {
                admin(db, "DROP TABLE " + month); // as if maintenance had never created them
            }
            from = AuditPartitions.state(c).preparedUntil();
        }
        // Every month the maintenance prepares (the cut-over's through the third ahead) holds a backlog.
        LocalDateTime until = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                .plusMonths(AuditPartitions.MONTHS_AHEAD + 1);
        admin(db, "INSERT INTO audit.audit_events SELECT 'backlog-' || i, timestamp '" + from + "' + (i % " + MONTHS
                + ") * interval '1 month' + (i / " + MONTHS + ") * interval '10 seconds', 'hub', 's', 'session_event', "
                + "'{}' FROM generate_series(0, " + (BACKLOG_PER_MONTH * MONTHS - 1) + ") i",
                "ANALYZE audit.audit_events_default");
        assertEquals(BACKLOG_PER_MONTH * (long) MONTHS, tables.count("audit.audit_events_default"));
        long spanMinutes = Duration.between(from, until).toMinutes();

        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong worst = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong batches = new java.util.concurrent.atomic.AtomicLong();
        List<String> recorded = java.util.Collections.synchronizedList(new ArrayList<>());
        LocalDateTime start = from;
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread recorder = new Thread(() -> {
            try (HikariDataSource pool = TestDatabase.open(settings(db, server.settings().user()), 1)) {
                EventRepository repository = new EventRepository(pool, new DatabaseCircuit(Duration.ofSeconds(1)),
                        Duration.ofSeconds(60));
                java.util.Random random = new java.util.Random(7);
                while (!done.get()) {
                    List<AuditEvent> batch = new ArrayList<>();
                    for (int k = 0; k < 10; k++) {
                        LocalDateTime when = start.plusMinutes((long) (random.nextDouble() * spanMinutes));
                        batch.add(parser.parse(EventBuilder.otherSession().timestampIso(when + "Z").json()));
                    }
                    long t0 = System.nanoTime();
                    List<StoreResult> results = repository.record(batch);
                    worst.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                    results.forEach(r -> assertEquals(StoreResult.Status.RECORDED, r.status()));
                    batch.forEach(e -> recorded.add(e.eventId()));
                    batches.incrementAndGet();
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        recorder.start();
        awaitBatches(batches, 5, recorder, failure); // recording is under way before maintenance starts
        worst.set(0);
        long batchesBefore = batches.get();
        long t0 = System.nanoTime();
        try (Connection c = db.getConnection()) {
            maintenance.run(c);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        long during = batches.get() - batchesBefore;
        awaitBatches(batches, batches.get() + 5, recorder, failure); // the batch that was waiting, if any, has finished
        done.set(true);
        recorder.join();
        if (failure.get() != null) {
            throw new AssertionError("recording failed beside the maintenance", failure.get());
        }

        assertEquals(0L, tables.count("audit.audit_events_default"), "caught up: the default partition is empty");
        assertEquals(BACKLOG_PER_MONTH * (long) MONTHS + recorded.size(), tables.count("audit.audit_events"));
        assertEquals(BACKLOG_PER_MONTH * (long) MONTHS + recorded.size(), (Long) tables.query("SELECT count(DISTINCT event_id) "
                + "AS n FROM audit.audit_events").get(0).get("n"), "each event once");
        assertEquals(List.of(), tables.query("SELECT event_id FROM audit.audit_events WHERE tableoid::regclass::text "
                + "<> 'audit.audit_events_' || to_char(time_stamp, 'YYYY_MM') AND tableoid::regclass::text <> "
                + "'audit.audit_events_history' LIMIT 5"), "every event in its month's partition");
        return new CatchUp(millis, during, worst.get());
    }

    private static void awaitBatches(java.util.concurrent.atomic.AtomicLong batches, long atLeast, Thread recorder,
                                     java.util.concurrent.atomic.AtomicReference<Throwable> failure)
            throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (batches.get() < atLeast && recorder.isAlive() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        if (failure.get() != null) {
            throw new AssertionError("recording failed beside the maintenance", failure.get());
        }
        assertTrue(batches.get() >= atLeast, "the recorder records: " + batches.get() + " batches");
    }

    @Test
    void aLoginThatCannotReadTheDefaultPartitionGetsTheStatisticsEstimateInsteadOfAnError() throws Exception {
        HikariDataSource db = databaseAt(null);
        admin(db, "CREATE ROLE " + ROLE + " LOGIN", "GRANT USAGE ON SCHEMA audit TO " + ROLE,
                "GRANT INSERT ON audit.audit_events TO " + ROLE);
        cleanUp.add(() -> server.admin("DROP OWNED BY " + ROLE, "DROP ROLE " + ROLE));
        try (HikariDataSource asRole = TestDatabase.open(settings(db, ROLE), 1);
             Connection c = asRole.getConnection()) {
            AuditPartitions.State state = AuditPartitions.state(c);
            assertTrue(state.estimated());
            assertEquals(0, state.rowsInDefault());
            assertFalse(state.preparedUntil() == null);
        }
    }

    @Test
    void anEventPastTheCutOverOfAHalfDoneMigrationFailsTheBatchAsAnOutageAndIsNotRejected() throws Exception {
        HikariDataSource db = databaseAt("5"); // fenced and validated; the swap (V6) has not run
        EventRepository repository = new EventRepository(db, new DatabaseCircuit(Duration.ofSeconds(1)),
                Duration.ofSeconds(20));
        AuditEvent late = parser.parse(EventBuilder.errorEvent()
                .timestampIso(LocalDateTime.now(ZoneOffset.UTC).plusDays(3).truncatedTo(ChronoUnit.SECONDS) + "Z").json());

        DatabaseUnavailableException outage = org.junit.jupiter.api.Assertions.assertThrows(
                DatabaseUnavailableException.class, () -> repository.record(List.of(late)));
        assertTrue(outage.getMessage().contains("23514"), outage.getMessage());

        SchemaMigrations.apply(db);
        assertEquals(StoreResult.Status.RECORDED, new EventRepository(db, new DatabaseCircuit(Duration.ofSeconds(1)),
                Duration.ofSeconds(20)).record(List.of(late)).get(0).status(), "recorded once migrate has finished");
    }

    private static LocalDateTime preparedUntil(HikariDataSource db) throws Exception {
        try (Connection c = db.getConnection()) {
            return AuditPartitions.state(c).preparedUntil();
        }
    }

    /** The partition's name (without its schema) of the month {@code in} falls in. */
    private static String monthPartition(LocalDateTime in) {
        return "audit_events_" + in.toLocalDate().toString().substring(0, 7).replace('-', '_');
    }

    /** A database of its own, migrated to {@code version} ({@code null}: the latest, as migrate leaves it). */
    private HikariDataSource databaseAt(String version) {
        String name = "partitions_" + Long.toHexString(System.nanoTime());
        server.admin("CREATE DATABASE " + name);
        HikariDataSource db = TestDatabase.open(settings(name, server.settings().user()), 3);
        cleanUp.add(0, () -> {
            db.close();
            server.admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        });
        if (version == null) {
            SchemaMigrations.apply(db);
        } else {
            Flyway.configure().dataSource(db).locations("classpath:db/migration").target(version).load().migrate();
        }
        return db;
    }

    private DatabaseSettings settings(HikariDataSource db, String user) {
        return settings(db.getJdbcUrl().replaceAll(".*/", "").replaceAll("\\?.*", ""), user);
    }

    private DatabaseSettings settings(String database, String user) {
        DatabaseSettings s = server.settings();
        return new DatabaseSettings(s.host(), s.port(), database, user, s.password(), s.sslMode(), s.sslRootCert());
    }

    private static void admin(HikariDataSource db, String... statements) throws Exception {
        try (Connection c = db.getConnection(); var s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
