package uk.gov.ida.eventrecorder.bench;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What finding the late rows costs, and what V9/V10 cost the recorder (README, "Export and verification"):
 *
 * <ol>
 * <li>{@code base} historic audit rows at V8 (before the column), spread over three years;</li>
 * <li>a writer inserting 10-event transactions as fast as the database takes them, for a while before the migration,
 *     through V9 and V10, and a while after: its rate before and after, and its worst transaction during each;</li>
 * <li>then history recorded with the column, in the steps given, and at each size the export's search for the days a
 *     snapshot could not see, after {@code late} rows dated anywhere in the three years: EXPLAIN ANALYZE.</li>
 * </ol>
 *
 * <p>Arguments: base rows, then the sizes of history with the column (default {@code 10000000 1000000 9000000}).
 * Prints figures; asserts nothing.
 */
public final class LateRowsBenchmark {
    private static final int WRITER_SECONDS = Integer.getInteger("late.writerSeconds", 15);
    private static final int LATE = Integer.getInteger("late.rows", 1000);
    private static final String DETAILS = "'{\"session_event_type\": \"idp_authn_succeeded\", \"pid\": \""
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\", \"request_id\": \"_r1\", "
            + "\"idp_entity_id\": \"https://idp.example/with/a/long/path\", \"minimum_level_of_assurance\": "
            + "\"LEVEL_2\", \"provided_level_of_assurance\": \"LEVEL_2\", \"transaction_entity_id\": "
            + "\"https://rp.example/another/long/path\"}'::jsonb";

    private LateRowsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long base = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        List<Long> steps = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            steps.add(Long.parseLong(args[i]));
        }
        if (steps.isEmpty()) {
            steps = List.of(1_000_000L, 9_000_000L);
        }
        String configured = System.getenv("EVENT_RECORDER_TEST_DB");
        DatabaseSettings admin = DatabaseSettings.parse(configured != null && !configured.isBlank() ? configured
                : "host=127.0.0.1 port=5432 dbname=postgres user=postgres");
        String name = "late_rows_" + Long.toHexString(System.nanoTime());
        try (HikariDataSource postgres = TestDatabase.open(admin, 1)) {
            execute(postgres, "CREATE DATABASE " + name);
            try (HikariDataSource db = TestDatabase.open(new DatabaseSettings(admin.host(), admin.port(), name,
                    admin.user(), admin.password(), admin.sslMode(), admin.sslRootCert()), 4)) {
                run(db, base, steps);
            } finally {
                execute(postgres, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        }
    }

    private static void run(HikariDataSource db, long base, List<Long> steps) throws Exception {
        Flyway.configure().dataSource(db).locations("classpath:db/migration").target("8").load().migrate();
        long start = System.nanoTime();
        load(db, base, 0);
        System.out.printf("RESULT loaded %,d historic rows at V8 in %.0f s%n", base, seconds(start));

        writer(db, "V8, before the migration", null);
        Writer during = writer(db, "during V9 and V10", () -> {
            long t = System.nanoTime();
            SchemaMigrations.apply(db);
            System.out.printf("RESULT migrate V8 -> V10 took %.1f s with %,d rows%n", seconds(t), base);
        });
        writer(db, "V10, after the migration", null);
        System.out.println("RESULT (during: " + during + ")");

        long history = base;
        for (long step : steps) {
            start = System.nanoTime();
            load(db, step, history);
            history += step;
            vacuum(db);
            System.out.printf("RESULT history now %,d rows (%,d recorded with the column) loaded in %.0f s%n",
                    history, history - base, seconds(start));
            find(db, history, LATE);
        }
        find(db, history, LATE * 10);
    }

    /** {@code rows} audit events spread over three years before now, in time order, ids that follow {@code from}. */
    private static void load(HikariDataSource db, long rows, long from) throws SQLException {
        long perStatement = 1_000_000;
        for (long done = 0; done < rows; done += perStatement) {
            long n = Math.min(perStatement, rows - done);
            execute(db, "INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, session_id, "
                    + "event_type, details) SELECT 'history-' || lpad(i::text, 12, '0'), "
                    + "date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1096 days' "
                    + "+ (i % 1000000) * interval '94 seconds', 'hub', 'session-' || i, 'session_event', " + DETAILS
                    + " FROM generate_series(" + (from + done) + ", " + (from + done + n - 1) + ") i");
        }
    }

    private static void vacuum(HikariDataSource db) throws SQLException {
        // What autovacuum does in time (autosummarize summarises each range as it fills): done at once here.
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE audit.audit_events");
        }
    }

    /** A snapshot, {@code late} rows dated anywhere in history, then the export's search since that snapshot. */
    private static void find(HikariDataSource db, long history, int late) throws SQLException {
        String snapshot;
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_snapshot()::text")) {
            rs.next();
            snapshot = rs.getString(1);
        }
        execute(db, "INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type) "
                + "SELECT 'late-' || gen_random_uuid(), date_trunc('day', now() AT TIME ZONE 'UTC') "
                + "- interval '1096 days' + random() * interval '1090 days', 'hub', 'session_event' "
                + "FROM generate_series(1, " + late + ")");
        long xmin = Long.parseLong(snapshot.substring(0, snapshot.indexOf(':')));
        String query = ExportedTable.named("audit_events").changedDaysQuery();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            for (int round = 1; round <= 2; round++) { // the first warms the cache, as the daily run's would not
                try (PreparedStatement s = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + query)) {
                    s.setLong(1, xmin);
                    s.setString(2, snapshot);
                    s.setLong(3, xmin);
                    s.setString(4, snapshot);
                    StringBuilder plan = new StringBuilder();
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            plan.append(rs.getString(1)).append('\n');
                        }
                    }
                    String text = plan.toString();
                    System.out.printf("RESULT history %,d, %,d late rows, round %d: %s%n", history, late, round,
                            text.lines().filter(l -> l.startsWith("Execution Time") || l.startsWith("Planning Time"))
                                    .toList());
                    if (round == 2) {
                        System.out.println(text.lines().limit(14).reduce("", (a, b) -> a + "  " + b + "\n"));
                    }
                }
            }
            c.rollback();
        }
    }

    interface Work {
        void run() throws Exception;
    }

    record Writer(long transactions, double perSecond, double p50Millis, double p99Millis, double maxMillis) {
        @Override
        public String toString() {
            return String.format("%,d transactions of 10 events, %,.0f events/s, p50 %.2f ms, p99 %.2f ms, "
                    + "max %.1f ms", transactions, perSecond * 10, p50Millis, p99Millis, maxMillis);
        }
    }

    /** 10-event transactions into this month, for {@link #WRITER_SECONDS} or while {@code work} runs. */
    static Writer writer(HikariDataSource db, String what, Work work) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        Exception[] failed = new Exception[1];
        Thread thread = new Thread(() -> {
            try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                    "INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, session_id, "
                            + "event_type, details) SELECT gen_random_uuid()::text, now() AT TIME ZONE 'UTC', 'hub', "
                            + "'s', 'session_event', " + DETAILS + " FROM generate_series(1, 10)")) {
                while (!stop.get()) {
                    long t = System.nanoTime();
                    s.executeUpdate();
                    nanos.add(System.nanoTime() - t);
                }
            } catch (SQLException e) {
                failed[0] = e;
            }
        });
        long start = System.nanoTime();
        thread.start();
        if (work == null) {
            Thread.sleep(WRITER_SECONDS * 1000L);
        } else {
            Thread.sleep(2000);
            work.run();
        }
        stop.set(true);
        thread.join();
        if (failed[0] != null) {
            throw failed[0];
        }
        double elapsed = seconds(start);
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        Writer w = new Writer(sorted.size(), sorted.size() / elapsed, sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) (sorted.size() * 0.99)) / 1e6, sorted.get(sorted.size() - 1) / 1e6);
        System.out.printf("RESULT writer %s: %s%n", what, w);
        return w;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void execute(HikariDataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
