package uk.gov.ida.eventrecorder.bench;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.BillingEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;
import uk.gov.ida.eventrecorder.store.StoreResult;
import uk.gov.ida.eventrecorder.testing.EventBuilder;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code build/benchmark.sh --growth [rows]}: does recording slow down as the tables fill up over the years?
 *
 * <p>Two databases, one empty and one holding {@code rows} historic rows in each of {@code audit.audit_events} and
 * {@code billing.billing_events} (default 10 million, spread over the three years before today, in time order, indexes
 * built after the load). Each is measured at schema version 2 (the tables as the replaced service left them) and
 * again after {@code migrate} has brought it to the latest version, in place, as a deployment would be. A measurement
 * is the recorder's own insert path, {@link EventRepository#record} with 10-event batches from one thread, for a fixed
 * time straight after a {@code CHECKPOINT} (when every first change to an index page writes the whole page to the
 * WAL): events/s and WAL bytes per event from {@code pg_current_wal_lsn()}. Two kinds of event: audit only, and
 * successful IDP authentications (an audit and a billing row each). The full database's latest schema is also measured
 * with {@code wal_compression = lz4} and with a larger {@code max_wal_size}/{@code checkpoint_timeout}, for the
 * database settings of docs/deploying.md. Events are dated yesterday at V2 and two days ahead after the conversion, as
 * every event is from the day after the migration's cut-over on. On the empty database the tables are emptied before
 * each measurement; on the full one earlier measurements' rows stay (the current month's partition holds the previous
 * partitioned measurements' rows, as a month's partition fills). The run ends by checking that every event the benchmark recorded is in the tables exactly once.
 *
 * <p>Options (system properties): {@code growth.rows}, {@code growth.seconds} (per measurement, default 60),
 * {@code growth.keep=true} keeps the databases.
 */
public final class GrowthBenchmark {
    private static final int BATCH = 10;

    private record Figure(double eventsPerSecond, double walBytesPerEvent, long events) {
    }

    private final int seconds = Integer.getInteger("growth.seconds", 60);
    private final EventParser parser = new EventParser();
    private final AuditEvent auditTemplate = parser.parse(EventBuilder.otherSession().json());
    private final AuditEvent billingTemplate = parser.parse(EventBuilder.billing().json());
    private final Map<String, Figure> figures = new LinkedHashMap<>();
    private final DatabaseSettings admin;
    /** Events the benchmark has recorded in the current database since its tables were last emptied. */
    private long benchEvents;

    private GrowthBenchmark(DatabaseSettings admin) {
        this.admin = admin;
    }

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 && !args[0].isBlank() ? Long.parseLong(args[0].replace("_", ""))
                : Long.getLong("growth.rows", 10_000_000L);
        String configured = System.getenv("EVENT_RECORDER_TEST_DB");
        DatabaseSettings admin = DatabaseSettings.parse(configured != null && !configured.isBlank() ? configured
                : "host=127.0.0.1 port=5432 dbname=postgres user=postgres");
        new GrowthBenchmark(admin).run(rows);
    }

    private void run(long rows) throws Exception {
        System.out.printf("growth benchmark: %,d historic rows per table, %d s per measurement%n", rows, seconds);
        for (boolean full : new boolean[]{false, true}) {
            String phase = full ? "full" : "empty";
            String name = "growth_" + phase + "_" + Long.toHexString(System.nanoTime());
            execute(admin, "CREATE DATABASE " + name);
            DatabaseSettings settings = new DatabaseSettings(admin.host(), admin.port(), name, admin.user(),
                    admin.password(), admin.sslMode(), admin.sslRootCert());
            try (HikariDataSource db = uk.gov.ida.eventrecorder.testing.TestDatabase.open(settings, 3)) {
                Flyway.configure().dataSource(db).locations("classpath:db/migration").target("2").load().migrate();
                if (full) {
                    load(db, rows);
                }
                benchEvents = 0;
                measure(db, "V2 " + phase + " audit", auditTemplate);
                measure(db, "V2 " + phase + " billing", billingTemplate);
                long start = System.nanoTime();
                Flyway.configure().dataSource(db).locations("classpath:db/migration").target("6").load().migrate();
                System.out.printf("RESULT %s: migrate V2 -> V6 (audit partitioned in place) took %.1f s%n", phase,
                        (System.nanoTime() - start) / 1e9);
                // V7 changes only billing indexes: the audit figure at V6 is the latest schema's.
                measure(db, "latest " + phase + " audit", auditTemplate);
                // The billing index change alone: the same billing events before and after V7.
                measure(db, "V6 " + phase + " billing", billingTemplate);
                start = System.nanoTime();
                SchemaMigrations.apply(db);
                System.out.printf("RESULT %s: migrate V6 -> latest took %.1f s%n", phase,
                        (System.nanoTime() - start) / 1e9);
                measure(db, "latest " + phase + " billing", billingTemplate);
                if (full) {
                    // Each database setting against the defaults above, in the same state: the current month's
                    // partition emptied first for audit (as "latest full audit" began), the billing table as it is.
                    for (String[] setting : new String[][]{{"wal_compression=lz4",
                            "ALTER SYSTEM SET wal_compression = 'lz4'"}, {"max_wal_size=16GB checkpoint_timeout=15min",
                            "ALTER SYSTEM SET max_wal_size = '16GB'; ALTER SYSTEM SET checkpoint_timeout = '15min'"}}) {
                        emptyCurrentPartitions(db);
                        withSettings(db, setting[1], () -> measure(db, "latest full audit, " + setting[0],
                                auditTemplate));
                        withSettings(db, setting[1], () -> measure(db, "latest full billing, " + setting[0],
                                billingTemplate));
                    }
                }
            } finally {
                if (!Boolean.getBoolean("growth.keep")) {
                    execute(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                }
            }
        }
        summary();
    }

    /** Historic rows as the recorder would have written them over three years, then the indexes built. */
    private void load(HikariDataSource db, long rows) throws SQLException {
        long start = System.nanoTime();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET maintenance_work_mem = '1GB'");
            s.execute("ALTER TABLE audit.audit_events DROP CONSTRAINT audit_events_pkey");
            s.execute("DROP INDEX audit.audit_events_time_stamp_idx, audit.audit_events_event_id_idx, "
                    + "audit.audit_events_session_id_idx");
            s.execute("ALTER TABLE billing.billing_status DROP CONSTRAINT billing_status_event_id_fkey");
            s.execute("ALTER TABLE billing.billing_events DROP CONSTRAINT billing_events_pkey");
            s.execute("DROP INDEX billing.billing_events_time_stamp_idx, billing.billing_events_session_id_idx, "
                    + "billing.billing_events_hashed_persistent_id_idx, billing.billing_events_provided_loa_idx, "
                    + "billing.billing_events_pid_time_stamp_idx");
            long chunk = 1_000_000;
            for (long from = 0; from < rows; from += chunk) {
                long to = Math.min(rows, from + chunk);
                String time = "(now() AT TIME ZONE 'UTC') - interval '3 years' + (i::float8 / " + rows
                        + ") * interval '3 years'";
                s.execute("INSERT INTO audit.audit_events SELECT gen_random_uuid()::text, " + time + ", 'hub', "
                        + "'session-' || gen_random_uuid(), 'session_event', jsonb_build_object("
                        + "'session_event_type', 'idp_authn_succeeded', 'idp_entity_id', 'https://idp-' || (i % 7) "
                        + "|| '.example/SAML2/MD', 'transaction_entity_id', 'https://rp-' || (i % 5) "
                        + "|| '.example/SAML2/MD', 'pid', encode(sha256(i::text::bytea), 'hex'), 'request_id', "
                        + "'_' || gen_random_uuid(), 'minimum_level_of_assurance', 'LEVEL_2', "
                        + "'provided_level_of_assurance', 'LEVEL_2', 'preferred_level_of_assurance', 'LEVEL_2') "
                        + "FROM generate_series(" + from + ", " + (to - 1) + ") i");
                s.execute("INSERT INTO billing.billing_events SELECT " + time + ", 'session-' || gen_random_uuid(), "
                        + "encode(sha256(i::text::bytea), 'hex'), '_' || gen_random_uuid(), 'https://idp-' || (i % 7) "
                        + "|| '.example/SAML2/MD', 'LEVEL_2', CASE WHEN i % 10 = 0 THEN 'LEVEL_1' ELSE 'LEVEL_2' END, "
                        + "'LEVEL_2', gen_random_uuid()::text, 'https://rp-' || (i % 5) || '.example/SAML2/MD' "
                        + "FROM generate_series(" + from + ", " + (to - 1) + ") i");
                System.out.printf("  loaded %,d rows a table (%.0f s)%n", to, (System.nanoTime() - start) / 1e9);
            }
            // The indexes as V1 made them (built now rather than grown row by row: much faster to load).
            s.execute("ALTER TABLE audit.audit_events ADD PRIMARY KEY (event_id, time_stamp)");
            s.execute("CREATE INDEX audit_events_time_stamp_idx ON audit.audit_events (time_stamp)");
            s.execute("CREATE INDEX audit_events_event_id_idx ON audit.audit_events (event_id)");
            s.execute("CREATE INDEX audit_events_session_id_idx ON audit.audit_events (session_id)");
            s.execute("ALTER TABLE billing.billing_events ADD PRIMARY KEY (event_id)");
            s.execute("CREATE INDEX billing_events_time_stamp_idx ON billing.billing_events (time_stamp)");
            s.execute("CREATE INDEX billing_events_session_id_idx ON billing.billing_events (session_id)");
            s.execute("CREATE INDEX billing_events_hashed_persistent_id_idx "
                    + "ON billing.billing_events (hashed_persistent_id)");
            s.execute("CREATE INDEX billing_events_provided_loa_idx "
                    + "ON billing.billing_events (provided_level_of_assurance)");
            s.execute("CREATE INDEX billing_events_pid_time_stamp_idx "
                    + "ON billing.billing_events (hashed_persistent_id, time_stamp)");
            s.execute("ALTER TABLE billing.billing_status ADD CONSTRAINT billing_status_event_id_fkey "
                    + "FOREIGN KEY (event_id) REFERENCES billing.billing_events (event_id) ON UPDATE CASCADE");
            s.execute("VACUUM ANALYZE audit.audit_events");
            s.execute("VACUUM ANALYZE billing.billing_events");
            try (ResultSet rs = s.executeQuery("SELECT pg_size_pretty(pg_total_relation_size('audit.audit_events')), "
                    + "pg_size_pretty(pg_total_relation_size('billing.billing_events'))")) {
                rs.next();
                System.out.printf("RESULT loaded %,d rows a table in %.0f s: audit %s, billing %s (with indexes)%n",
                        rows, (System.nanoTime() - start) / 1e9, rs.getString(1), rs.getString(2));
            }
        }
    }

    /**
     * On the empty database the tables are emptied first, so that every "empty" figure is one; on the full one the
     * previous measurements' events stay (a few percent of the rows). Ends by checking that every event it sent is
     * in the audit table exactly once.
     *
     * @return the events recorded
     */
    private long measure(HikariDataSource db, String label, AuditEvent template) throws SQLException {
        if (label.contains(" empty ")) {
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                s.execute("TRUNCATE audit.audit_events, billing.billing_status, billing.billing_events");
            }
            benchEvents = 0;
        }
        EventRepository repository = new EventRepository(db, new DatabaseCircuit(Duration.ofSeconds(1)),
                Duration.ofSeconds(20));
        // At V2, dated yesterday: the rows stay in what becomes the history partition, as the old table's did. After
        // the conversion, dated past the cut-over, as every event is from the day after tomorrow on.
        LocalDateTime dated = LocalDateTime.now(ZoneOffset.UTC).plusDays(label.startsWith("V2") ? -1 : 2)
                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String startLsn;
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
            startLsn = lsn(s);
        }
        long events = 0;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<AuditEvent> batch = new ArrayList<>(BATCH);
        while (System.nanoTime() < end) {
            batch.clear();
            for (int i = 0; i < BATCH; i++) {
                batch.add(variant(template, dated.plusNanos((events + i) * 1_000_000L))); // producers send milliseconds
            }
            for (StoreResult result : repository.record(batch)) {
                if (result.status() != StoreResult.Status.RECORDED) {
                    throw new IllegalStateException(label + ": an event was not recorded: " + result);
                }
            }
            events += BATCH;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long wal;
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + startLsn + "')")) {
            rs.next();
            wal = rs.getLong(1);
        }
        benchEvents += events;
        checkExactlyOnce(db, label, benchEvents);
        Figure figure = new Figure(events / elapsed, (double) wal / events, events);
        figures.put(label, figure);
        System.out.printf("RESULT %-70s %,8.0f events/s %,9.0f WAL bytes/event (%,d events, %,d MB of WAL)%n",
                label, figure.eventsPerSecond(), figure.walBytesPerEvent(), events, wal >> 20);
        return events;
    }

    /** A fresh event shaped like the template: new random keys (event, session, persistent id, request), as in life. */
    private static AuditEvent variant(AuditEvent t, LocalDateTime at) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String id = "bench-" + UUID.randomUUID();
        Optional<BillingEvent> billing = t.billing().map(b -> new BillingEvent(
                Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())
                        + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()),
                "_" + UUID.randomUUID(), b.idpEntityId(), b.minimumLevelOfAssurance(), b.providedLevelOfAssurance(),
                b.preferredLevelOfAssurance(), b.transactionEntityId()));
        return new AuditEvent(id, at, t.originatingService(), "session-" + UUID.randomUUID(), t.eventType(),
                t.detailsJson(), billing, t.fraud(), t.derivedRowProblem());
    }

    /** Empties every audit partition but the history one, deleting the benchmark's own rows after the cut-over. */
    private void emptyCurrentPartitions(HikariDataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            List<String> partitions = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c "
                    + "ON c.oid = i.inhrelid WHERE i.inhparent = 'audit.audit_events'::regclass "
                    + "AND c.relname <> 'audit_events_history'")) {
                while (rs.next()) {
                    partitions.add(rs.getString(1));
                }
            }
            long removed = 0;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM audit.audit_events WHERE tableoid::regclass::text "
                    + "<> 'audit.audit_events_history'")) {
                rs.next();
                removed = rs.getLong(1);
            }
            s.execute("TRUNCATE " + String.join(", ", partitions));
            benchEvents -= removed;
        }
    }

    private interface Measurement {
        long run() throws SQLException;
    }

    private long withSettings(HikariDataSource db, String settings, Measurement measurement) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            for (String setting : settings.split("; ")) {
                s.execute(setting);
            }
            s.execute("SELECT pg_reload_conf()");
        }
        try {
            return measurement.run();
        } finally {
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                for (String setting : settings.split("; ")) {
                    s.execute("ALTER SYSTEM RESET " + setting.replaceAll("ALTER SYSTEM SET (\\w+).*", "$1"));
                }
                s.execute("SELECT pg_reload_conf()");
            }
        }
    }

    private static void checkExactlyOnce(HikariDataSource db, String phase, long sent) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM audit.audit_events "
                     + "WHERE event_id LIKE 'bench-%'")) {
            rs.next();
            if (rs.getLong(1) != sent || rs.getLong(2) != sent) {
                throw new IllegalStateException(phase + ": sent " + sent + " events, the audit table holds "
                        + rs.getLong(1) + " rows of " + rs.getLong(2) + " of them");
            }
        }
        System.out.printf("  %s: all %,d events recorded exactly once%n", phase, sent);
    }

    private void summary() {
        System.out.println();
        System.out.println("| events | schema | empty events/s | full events/s | ratio | WAL/event empty | WAL/event full "
                + "| ratio |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        for (String kind : List.of("audit", "billing")) {
            for (String schema : kind.equals("audit") ? List.of("V2", "latest") : List.of("V2", "V6", "latest")) {
                Figure empty = figures.get(schema + " empty " + kind);
                Figure full = figures.get(schema + " full " + kind);
                System.out.printf("| %s | %s | %,.0f | %,.0f | %.2f× | %,.0f B | %,.0f B | %.1f× |%n", kind, schema,
                        empty.eventsPerSecond(), full.eventsPerSecond(),
                        full.eventsPerSecond() / empty.eventsPerSecond(), empty.walBytesPerEvent(),
                        full.walBytesPerEvent(), full.walBytesPerEvent() / empty.walBytesPerEvent());
            }
        }
    }

    private static String lsn(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** One statement as {@code settings}' user, on a connection of its own (CREATE/DROP DATABASE). */
    static void execute(DatabaseSettings settings, String sql) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(settings.jdbcUrl(), settings.user(),
                settings.password().orElse(null)); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
