package uk.gov.ida.eventrecorder.bench;

import com.zaxxer.hikari.HikariDataSource;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.store.AuditPartitions;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Partition catch-up beside a recorder at full rate ({@code ./build/benchmark.sh --catch-up [rows]}). The
 * maintenance stopped three months ago: those months and the current one have no partition, so their events, {@code
 * rows} of them (default 5 million), sit in the default partition, and the recorder keeps writing current-month
 * events there. One recorder thread writes 10-event batches as fast as it can; its batch latency is printed without a
 * catch-up (15 s) and during one, for the maintenance as it was (each month attached while PostgreSQL scans the default
 * partition under ACCESS EXCLUSIVE) and as it is now ({@link AuditPartitions#prepare}), each on a fresh database with
 * the same rows. Every run ends by checking that each recorded event is in the table once, in its month, and that no
 * recorder statement failed or timed out.
 */
public final class CatchUpBenchmark {
    private static final EventParser PARSER = new EventParser();

    private interface CatchUp {
        void run(Connection c) throws SQLException;
    }

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 && !args[0].isBlank() ? Long.parseLong(args[0].replace("_", ""))
                : Long.getLong("catchUp.rows", 5_000_000L);
        String configured = System.getenv("EVENT_RECORDER_TEST_DB");
        DatabaseSettings admin = DatabaseSettings.parse(configured != null && !configured.isBlank() ? configured
                : "host=127.0.0.1 port=5432 dbname=postgres user=postgres");
        System.out.printf("partition catch-up: %,d rows in the default partition over 3 past months and this one, a "
                + "recorder writing this month's events beside it%n", rows);
        run(admin, rows, "before: each month attached with a scan of the default partition",
                CatchUpBenchmark::scanningCatchUp);
        run(admin, rows, "now: every month's rows moved first, past months attached behind a validated CHECK",
                c -> AuditPartitions.prepare(c, Duration.ofMinutes(30)));
    }

    private static void run(DatabaseSettings admin, long rows, String label, CatchUp catchUp) throws Exception {
        String name = "catchup_" + Long.toHexString(System.nanoTime());
        GrowthBenchmark.execute(admin, "CREATE DATABASE " + name);
        DatabaseSettings settings = new DatabaseSettings(admin.host(), admin.port(), name, admin.user(),
                admin.password(), admin.sslMode(), admin.sslRootCert());
        try (HikariDataSource db = TestDatabase.open(settings, 2)) {
            SchemaMigrations.apply(db);
            long loadStart = System.nanoTime();
            stopMaintenanceThreeMonthsAgo(db, rows);
            System.out.printf("[%s] loaded %,d rows into the default partition in %.0f s%n", label, rows,
                    (System.nanoTime() - loadStart) / 1e9);
            Recorder recorder = new Recorder(settings);
            recorder.start();
            Thread.sleep(15_000);
            Latencies quiet = recorder.take();
            long t0 = System.nanoTime();
            try (Connection c = db.getConnection()) {
                catchUp.run(c);
            }
            long catchUpMillis = (System.nanoTime() - t0) / 1_000_000;
            Latencies during = recorder.take();
            recorder.stop();
            System.out.printf("RESULT %s: catch-up %,d ms; recorder batches without catch-up: %s; during it: %s; "
                    + "failed statements %d (timed out %d)%n", label, catchUpMillis, quiet, during,
                    recorder.failures.get(), recorder.timeouts.get());
            check(db, recorder);
        } finally {
            GrowthBenchmark.execute(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** Months from three months ago on without partitions; {@code rows} events spread over them up to now. */
    private static void stopMaintenanceThreeMonthsAgo(HikariDataSource db, long rows) throws SQLException {
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
        LocalDateTime from = now.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).minusMonths(3);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            List<String> months = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON "
                    + "c.oid = i.inhrelid WHERE i.inhparent = 'audit.audit_events'::regclass AND c.relname ~ "
                    + "'_[0-9]{4}_[0-9]{2}$'")) {
                while (rs.next()) {
                    months.add(rs.getString(1));
                }
            }
            for (String month : months) {
                s.execute("DROP TABLE " + month);
            }
            // The history partition ends three months ago, as if the maintenance had stopped then.
            s.execute("ALTER TABLE audit.audit_events DETACH PARTITION audit.audit_events_history");
            s.execute("ALTER TABLE audit.audit_events ATTACH PARTITION audit.audit_events_history FOR VALUES FROM "
                    + "(MINVALUE) TO ('" + from + "')");
            double secondsPerRow = Duration.between(from, now.minusMinutes(10)).toSeconds() / (double) rows;
            s.execute("INSERT INTO audit.audit_events SELECT 'backlog-' || i, timestamp '" + from + "' + i * "
                    + secondsPerRow + " * interval '1 second', 'hub', 's-' || (i % 1000), 'session_event', "
                    + "'{\"n\": 1}' FROM generate_series(0, " + (rows - 1) + ") i");
            s.execute("ANALYZE audit.audit_events_default");
        }
    }

    /**
     * The maintenance as it was before this change: each month filled in steps, then attached under a lock that
     * holds the default partition while PostgreSQL scans all it still holds (the later months' rows).
     */
    private static void scanningCatchUp(Connection c) throws SQLException {
        LocalDateTime last = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                .plusMonths(AuditPartitions.MONTHS_AHEAD);
        for (LocalDateTime from = AuditPartitions.state(c).preparedUntil(); !from.isAfter(last); ) {
            LocalDateTime to = from.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).plusMonths(1);
            String part = "audit.audit_events_" + String.format("%04d_%02d", from.getYear(), from.getMonthValue());
            String range = "time_stamp >= '" + from + "' AND time_stamp < '" + to + "'";
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + part + " (LIKE audit.audit_events INCLUDING DEFAULTS INCLUDING INDEXES)");
                s.execute("ALTER TABLE " + part + " ADD CONSTRAINT bound CHECK (" + range + ")");
                long moved;
                do {
                    try (ResultSet rs = s.executeQuery("WITH moved AS (DELETE FROM audit.audit_events_default WHERE "
                            + "ctid IN (SELECT ctid FROM audit.audit_events_default WHERE " + range + " LIMIT 5000) "
                            + "RETURNING *), kept AS (INSERT INTO " + part + " SELECT * FROM moved ON CONFLICT DO "
                            + "NOTHING) SELECT count(*) FROM moved")) {
                        rs.next();
                        moved = rs.getLong(1);
                    }
                } while (moved == 5000);
                c.setAutoCommit(false);
                s.execute("LOCK TABLE audit.audit_events_default IN SHARE ROW EXCLUSIVE MODE");
                s.executeUpdate("WITH moved AS (DELETE FROM audit.audit_events_default WHERE " + range
                        + " RETURNING *) INSERT INTO " + part + " SELECT * FROM moved ON CONFLICT DO NOTHING");
                s.execute("ALTER TABLE audit.audit_events ATTACH PARTITION " + part + " FOR VALUES FROM ('" + from
                        + "') TO ('" + to + "')");
                s.execute("ALTER TABLE " + part + " DROP CONSTRAINT bound");
                c.commit();
            } finally {
                c.setAutoCommit(true);
            }
            from = to;
        }
    }

    private static void check(HikariDataSource db, Recorder recorder) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE recorded (event_id text)");
            try (var insert = c.prepareStatement("INSERT INTO recorded SELECT unnest(?::text[])")) {
                insert.setArray(1, c.createArrayOf("text", recorder.recorded.toArray()));
                insert.execute();
            }
            try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM recorded), (SELECT count(*) FROM "
                    + "audit.audit_events a JOIN recorded r USING (event_id)), (SELECT count(*) FROM "
                    + "audit.audit_events_default), (SELECT count(*) FROM audit.audit_events a WHERE "
                    + "tableoid::regclass::text NOT IN ('audit.audit_events_' || to_char(time_stamp, 'YYYY_MM'), "
                    + "'audit.audit_events_history'))")) {
                rs.next();
                boolean once = rs.getLong(1) == rs.getLong(2);
                System.out.printf("exactly once: %,d events recorded, %,d rows for them (%s); default partition %,d "
                        + "rows; rows outside their month's partition %,d%n", rs.getLong(1), rs.getLong(2),
                        once ? "each once" : "NOT each once", rs.getLong(3), rs.getLong(4));
                if (!once || rs.getLong(3) != 0 || rs.getLong(4) != 0 || recorder.failures.get() != 0) {
                    throw new AssertionError("the catch-up lost, doubled or misplaced an event, or failed a batch");
                }
            }
        }
    }

    /** Batch latencies in ms, sorted when taken. */
    private record Latencies(long[] millis) {
        @Override
        public String toString() {
            if (millis.length == 0) {
                return "no batch";
            }
            return String.format("%,d batches, p50 %d ms, p99 %d ms, max %d ms", millis.length,
                    millis[millis.length / 2], millis[(int) Math.min(millis.length - 1, millis.length * 99L / 100)],
                    millis[millis.length - 1]);
        }
    }

    /** One thread recording this month's events in 10-event batches, as fast as the database takes them. */
    private static final class Recorder {
        private final DatabaseSettings settings;
        private final AtomicBoolean done = new AtomicBoolean();
        private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        private final List<String> recorded = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger failures = new AtomicInteger();
        private final AtomicInteger timeouts = new AtomicInteger();
        private Thread thread;

        Recorder(DatabaseSettings settings) {
            this.settings = settings;
        }

        void start() {
            thread = new Thread(() -> {
                try (HikariDataSource pool = TestDatabase.open(settings, 1)) {
                    // The deployed statement timeout: a batch held longer than this would fail.
                    EventRepository repository = new EventRepository(pool, new DatabaseCircuit(Duration.ofSeconds(1)),
                            Duration.ofSeconds(20));
                    while (!done.get()) {
                        List<AuditEvent> batch = new ArrayList<>();
                        for (int k = 0; k < 10; k++) {
                            batch.add(PARSER.parse(EventBuilder.otherSession()
                                    .timestampIso(LocalDateTime.now(ZoneOffset.UTC) + "Z").json()));
                        }
                        long t0 = System.nanoTime();
                        try {
                            repository.record(batch);
                            batch.forEach(e -> recorded.add(e.eventId()));
                        } catch (RuntimeException e) {
                            failures.incrementAndGet();
                            if (String.valueOf(e.getMessage()).contains("57014")) {
                                timeouts.incrementAndGet();
                            }
                        }
                        latencies.add((System.nanoTime() - t0) / 1_000_000);
                    }
                }
            }, "recorder");
            thread.start();
        }

        Latencies take() {
            synchronized (latencies) {
                long[] millis = latencies.stream().mapToLong(Long::longValue).toArray();
                latencies.clear();
                Arrays.sort(millis);
                return new Latencies(millis);
            }
        }

        void stop() throws InterruptedException {
            done.set(true);
            thread.join();
        }
    }
}
