package uk.gov.ida.eventrecorder.bench;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.ledger.TreeBuilder;
import uk.gov.ida.eventrecorder.store.RecordedXidIndexes;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * The history the ledger benchmark runs against, generated in the database itself: narrow audit rows (a short id, a
 * few bytes of {@code details}), inserted as the recorder's are, so that each row's {@code recorded_xid} is the
 * inserting transaction's (a million rows a transaction here). Resumable: {@code public.bench_progress} records how
 * far each part has got, so that an interrupted generation continues where it stopped.
 */
final class LedgerHistory {
    /** Rows a statement (and so a transaction). */
    static final long CHUNK = 1_000_000;

    private LedgerHistory() {
    }

    static DatabaseSettings admin() {
        String configured = System.getenv("EVENT_RECORDER_TEST_DB");
        return DatabaseSettings.parse(configured != null && !configured.isBlank() ? configured
                : "host=127.0.0.1 port=5432 dbname=postgres user=postgres");
    }

    static DatabaseSettings named(DatabaseSettings admin, String name) {
        return new DatabaseSettings(admin.host(), admin.port(), name, admin.user(), admin.password(), admin.sslMode(),
                admin.sslRootCert());
    }

    /** Creates the database unless it exists; true when it was created. */
    static boolean create(String name) throws SQLException {
        try (HikariDataSource postgres = TestDatabase.open(admin(), 1)) {
            try (Connection c = postgres.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                if (rs.next()) {
                    return false;
                }
            }
            execute(postgres, "CREATE DATABASE " + name);
            return true;
        }
    }

    static void drop(String name) throws SQLException {
        try (HikariDataSource postgres = TestDatabase.open(admin(), 1)) {
            execute(postgres, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** Flyway up to {@code version} (the schema before the ledger is "10"), without the partition preparation. */
    static void migrateTo(HikariDataSource db, String version) {
        Flyway.configure().dataSource(db).locations("classpath:db/migration")
                .javaMigrations(new RecordedXidIndexes())
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .target(version).load().migrate();
    }

    static long progress(HikariDataSource db, String part) throws SQLException {
        execute(db, "CREATE TABLE IF NOT EXISTS public.bench_progress (part text PRIMARY KEY, done bigint NOT NULL)");
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT done FROM public.bench_progress WHERE part = '" + part + "'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Audit rows {@code [from, to)} of a history of {@code total}, spread evenly over the three years before today, in
     * time order, one transaction a million rows, each recording its progress in the same transaction.
     */
    static void auditRows(HikariDataSource db, long total, long to) throws SQLException {
        long from = progress(db, "audit");
        long started = System.nanoTime();
        for (long done = from; done < to; done += CHUNK) {
            long n = Math.min(CHUNK, to - done);
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type, "
                        + "details) SELECT 'h' || i, date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1096 days' "
                        + "+ i * (interval '1096 days' / " + total + "), 'hub', 'session_event', '{\"n\": 1}'::jsonb "
                        + "FROM generate_series(" + done + ", " + (done + n - 1) + ") i");
                s.execute("INSERT INTO public.bench_progress VALUES ('audit', " + (done + n) + ") "
                        + "ON CONFLICT (part) DO UPDATE SET done = excluded.done");
                c.commit();
            }
            if ((done + n) % (10 * CHUNK) == 0 || done + n == to) {
                System.out.printf("history: %,d audit rows (%.0f s)%n", done + n, (System.nanoTime() - started) / 1e9);
            }
        }
    }

    /** Leaves a generation statement writes: complete subtrees up to level 20 lie within one. */
    static final int LEAF_CHUNK_LEVEL = 20;

    /**
     * Leaves {@code [0, total)} and their stored nodes, {@code threads} statements at a time, each a transaction of
     * 2^20 leaves (so that their nodes up to level 20 are complete within it) that records itself as done; then the
     * levels above 20 from those. Leaf {@code i} is audit row {@code i}'s RECORDED entry, its key and day as the row's
     * (so that a row's leaf is found as the run finds it), its row hash a stand-in: SHA-256 of the id. The leaf hash
     * and every node are computed by the database's {@code sha256()} from the entry's bytes as {@code LeafEntry}
     * encodes them. Any index the leaves carry besides their position is dropped for the load and built again after
     * it, from its own definition: one sorted build instead of 100 million random inserts (the schema as migrated
     * carries none).
     */
    static void leaves(HikariDataSource db, long total, int threads) throws Exception {
        execute(db, "CREATE TABLE IF NOT EXISTS public.bench_chunks (chunk bigint PRIMARY KEY)");
        execute(db, "CREATE TABLE IF NOT EXISTS public.bench_indexes (name text PRIMARY KEY, definition text)");
        if (progress(db, "leaves") >= total) {
            return;
        }
        String base = baseTimestamp(db);
        execute(db, "INSERT INTO public.bench_indexes SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                + "'ledger' AND tablename = 'leaves' AND indexname <> 'leaves_pkey' ON CONFLICT DO NOTHING");
        for (String index : query(db, "SELECT name FROM public.bench_indexes")) {
            execute(db, "DROP INDEX IF EXISTS ledger." + index);
        }
        long chunkLeaves = 1L << LEAF_CHUNK_LEVEL;
        long chunks = (total + chunkLeaves - 1) / chunkLeaves;
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        java.util.Set<Long> done = new java.util.HashSet<>();
        for (String chunk : query(db, "SELECT chunk::text FROM public.bench_chunks")) {
            done.add(Long.parseLong(chunk));
        }
        long started = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong(done.size());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(pool.submit(() -> {
                for (long chunk = next.getAndIncrement(); chunk < chunks; chunk = next.getAndIncrement()) {
                    if (done.contains(chunk)) {
                        continue;
                    }
                    long from = chunk * chunkLeaves;
                    long to = Math.min(total, from + chunkLeaves);
                    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                        c.setAutoCommit(false);
                        s.execute(leafChunk(base, total, from, to));
                        s.execute("INSERT INTO public.bench_chunks VALUES (" + chunk + ")");
                        c.commit();
                    }
                    long n = written.incrementAndGet();
                    if (n % 10 == 0 || n == chunks) {
                        System.out.printf("history: %,d of %,d leaf chunks (%.0f s)%n", n, chunks,
                                (System.nanoTime() - started) / 1e9);
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        for (java.util.concurrent.Future<?> f : running) {
            f.get();
        }
        for (int level = LEAF_CHUNK_LEVEL + 4; (1L << level) <= total; level += 4) {
            execute(db, upperLevel(level));
        }
        for (String definition : query(db, "SELECT definition FROM public.bench_indexes")) {
            long t = System.nanoTime();
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                s.execute("SET maintenance_work_mem = '1GB'");
                s.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"));
            }
            System.out.printf("history: %s built in %.0f s%n", definition, (System.nanoTime() - t) / 1e9);
        }
        execute(db, "INSERT INTO public.bench_progress VALUES ('leaves', " + total + ") "
                + "ON CONFLICT (part) DO UPDATE SET done = excluded.done");
    }

    /**
     * The roots at {@code sizes}, from the leaf hashes alone (every leaf read in order, folded by
     * {@link TreeBuilder#rootsOnly()}), stored in {@code public.bench_roots}: what the checkpoints sign, so that a
     * run, which recomputes the root from the stored nodes, checks the generated nodes.
     */
    static void roots(HikariDataSource db, long total, List<Long> sizes) throws SQLException {
        execute(db, "CREATE TABLE IF NOT EXISTS public.bench_roots (size bigint PRIMARY KEY, root bytea NOT NULL)");
        List<Long> missing = new java.util.ArrayList<>();
        for (long size : sizes) {
            if (query(db, "SELECT 1 FROM public.bench_roots WHERE size = " + size).isEmpty()) {
                missing.add(size);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        TreeBuilder tree = TreeBuilder.rootsOnly();
        long step = 1L << LEAF_CHUNK_LEVEL;
        try (Connection c = db.getConnection()) {
            for (long from = 0; from < total; from += step) {
                try (java.sql.PreparedStatement s = c.prepareStatement("SELECT position, leaf_hash FROM ledger.leaves "
                        + "WHERE position >= ? AND position < ? ORDER BY position")) {
                    s.setLong(1, from);
                    s.setLong(2, Math.min(total, from + step));
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            if (rs.getLong(1) != tree.size()) {
                                throw new IllegalStateException("leaf " + tree.size() + " is missing");
                            }
                            tree.append(rs.getBytes(2));
                            if (missing.contains(tree.size())) {
                                try (java.sql.PreparedStatement insert = c.prepareStatement(
                                        "INSERT INTO public.bench_roots VALUES (?, ?)")) {
                                    insert.setLong(1, tree.size());
                                    insert.setBytes(2, tree.root());
                                    insert.executeUpdate();
                                }
                            }
                        }
                    }
                }
            }
        }
        System.out.printf("history: roots from %,d leaf hashes in %.0f s%n", tree.size(),
                (System.nanoTime() - started) / 1e9);
    }

    static byte[] root(HikariDataSource db, long size) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT root FROM public.bench_roots WHERE size = " + size)) {
            if (!rs.next()) {
                throw new IllegalStateException("no root of " + size + " leaves computed");
            }
            return rs.getBytes(1);
        }
    }

    /** Audit row 0's time stamp: the history's first, from which row {@code i}'s follows. */
    static String baseTimestamp(HikariDataSource db) throws SQLException {
        List<String> base = query(db, "SELECT time_stamp::text FROM audit.audit_events WHERE event_id = 'h0'");
        if (base.isEmpty()) {
            throw new IllegalStateException("no audit history to generate leaves for");
        }
        return base.get(0);
    }

    /** Row {@code i}'s time stamp, as {@link #auditRows} wrote it. */
    private static String timeStamp(String base, long total) {
        return "timestamp '" + base + "' + i * (interval '1096 days' / " + total + ")";
    }

    /** One statement: leaves {@code [from, to)} and the complete nodes at levels 4 to 20 over them. */
    static String leafChunk(String base, long total, long from, long to) {
        StringBuilder sql = new StringBuilder("WITH e AS (SELECT i, id, ts, to_char(ts, "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS tk, ts::date::text AS day, sha256(convert_to(id, 'UTF8')) "
                + "AS rh FROM (SELECT i, 'h' || i AS id, " + timeStamp(base, total) + " AS ts FROM generate_series("
                + from + ", " + (to - 1) + ") i) r), "
                + "l0 AS (INSERT INTO ledger.leaves (position, table_name, row_key, day, kind, row_hash, leaf_hash) "
                + "SELECT i, 'audit.audit_events', ARRAY[id, tk], day, 0, rh, "
                // 0x00 (leaf) || entry: 0x01 (format) 0x00 (RECORDED) str(table) str(day) 2 str(id) str(time) hash
                + "sha256('\\x000100'::bytea || int4send(18) || convert_to('audit.audit_events', 'UTF8') "
                + "|| int4send(octet_length(day)) || convert_to(day, 'UTF8') || '\\x02'::bytea "
                + "|| int4send(octet_length(id)) || convert_to(id, 'UTF8') "
                + "|| int4send(octet_length(tk)) || convert_to(tk, 'UTF8') || rh) FROM e "
                + "RETURNING position AS p, leaf_hash AS h)");
        for (int level = 1; level <= LEAF_CHUNK_LEVEL; level++) {
            sql.append(", l").append(level).append(" AS (").append(pairs("l" + (level - 1))).append(')');
        }
        sql.append(" INSERT INTO ledger.nodes (level, idx, hash) ");
        for (int level = 4; level <= LEAF_CHUNK_LEVEL; level += 4) {
            sql.append(level == 4 ? "" : " UNION ALL ").append("SELECT ").append(level).append(", p, h FROM l")
                    .append(level);
        }
        return sql.toString();
    }

    /** Level {@code level}'s complete nodes from level {@code level - 4}'s. */
    static String upperLevel(int level) {
        StringBuilder sql = new StringBuilder("WITH l0 AS (SELECT idx AS p, hash AS h FROM ledger.nodes WHERE level = "
                + (level - 4) + ")");
        for (int l = 1; l <= 4; l++) {
            sql.append(", l").append(l).append(" AS (").append(pairs("l" + (l - 1))).append(')');
        }
        return sql.append(" INSERT INTO ledger.nodes (level, idx, hash) SELECT ").append(level)
                .append(", p, h FROM l4 ON CONFLICT DO NOTHING").toString();
    }

    /** The complete parents of a level: a pair's node hash, a lone left child left out. */
    private static String pairs(String below) {
        return "SELECT p / 2 AS p, sha256('\\x01'::bytea || string_agg(h, ''::bytea ORDER BY p)) AS h FROM " + below
                + " GROUP BY p / 2 HAVING count(*) = 2";
    }

    static List<String> query(HikariDataSource db, String sql) throws SQLException {
        List<String> values = new java.util.ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    static void execute(HikariDataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * Spot checks of a generation: nodes at each stored level against their children, hashed here. {@code name}.
     */
    static void check(HikariDataSource db) throws Exception {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (int level = 4; !query(db, "SELECT 1 FROM ledger.nodes WHERE level = " + level + " LIMIT 1").isEmpty();
             level += 4) {
            for (String idx : query(db, "SELECT idx::text FROM ledger.nodes WHERE level = " + level
                    + " ORDER BY random() LIMIT 3")) {
                long k = Long.parseLong(idx);
                List<byte[]> below = new java.util.ArrayList<>();
                String sql = level == 4
                        ? "SELECT leaf_hash FROM ledger.leaves WHERE position >= " + k * 16 + " AND position < "
                        + (k + 1) * 16 + " ORDER BY position"
                        : "SELECT hash FROM ledger.nodes WHERE level = " + (level - 4) + " AND idx >= " + k * 16
                        + " AND idx < " + (k + 1) * 16 + " ORDER BY idx";
                try (Connection c = db.getConnection(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery(sql)) {
                    while (rs.next()) {
                        below.add(rs.getBytes(1));
                    }
                }
                while (below.size() > 1) {
                    List<byte[]> up = new java.util.ArrayList<>();
                    for (int i = 0; i < below.size(); i += 2) {
                        sha.update((byte) 1);
                        sha.update(below.get(i));
                        sha.update(below.get(i + 1));
                        up.add(sha.digest());
                    }
                    below = up;
                }
                byte[] stored;
                try (Connection c = db.getConnection(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT hash FROM ledger.nodes WHERE level = " + level
                             + " AND idx = " + k)) {
                    rs.next();
                    stored = rs.getBytes(1);
                }
                System.out.printf("level %d node %d: %s%n", level, k,
                        java.util.Arrays.equals(stored, below.get(0)) ? "holds" : "DIFFERS");
            }
        }
    }

    /** {@code audit name total}, {@code leaves name total threads}, {@code check name} or {@code migrate name rows}: one part, resumable. */
    public static void main(String[] args) throws Exception {
        String name = args[1];
        create(name);
        try (HikariDataSource db = TestDatabase.open(named(admin(), name), 3)) {
            switch (args[0]) {
                case "audit" -> {
                    migrateTo(db, "10");
                    auditRows(db, Long.parseLong(args[2]), Long.parseLong(args[2]));
                }
                case "leaves" -> leaves(db, Long.parseLong(args[2]), Integer.parseInt(args[3]));
                case "check" -> check(db);
                case "migrate" -> LedgerBenchmark.migrateBesideWriter(db, Long.parseLong(args[2]));
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }
}
