package uk.gov.ida.eventrecorder.bench;

import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;

import javax.sql.DataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a checkpoint run's time goes, measured from outside the run: its database, S3 and KMS clients wrapped, each
 * call's time added to the phase its statement or operation belongs to (a statement's rows read with its execution).
 * What is left of the run's time is its own Java work: row digests, leaf and node hashes, encoding. The wrappers cost
 * a few microseconds a call, a few milliseconds at 10,000 rows read.
 */
final class RunPhases {
    static final String LOCK = "lock";
    static final String FIND = "finding rows";
    static final String LEDGER_READS = "reading the ledger (the past's check, roots, objects)";
    static final String STORE = "storing leaves, nodes, checkpoint";
    static final String COMMIT = "commit";
    static final String SIGN = "KMS Sign";
    static final String PUT = "S3 PUT and marking it published";
    static final String S3_READS = "S3 list and GET (the past's check)";
    static final String OTHER = "other statements";

    private final Map<String, AtomicLong> nanos = new ConcurrentHashMap<>();
    /** The slowest statement since the last {@link #take}: its time and its text's start. */
    private volatile long slowestNanos;
    private volatile String slowest = "";
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private final Map<Object, String> sqlOf = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The phases' time since the last call, in run order, with the run's rest as its Java work. */
    Map<String, String> take(long runMillis) {
        Map<String, String> phases = new LinkedHashMap<>();
        long accounted = 0;
        for (String phase : new String[] {LOCK, FIND, LEDGER_READS, STORE, COMMIT, SIGN, S3_READS, PUT, OTHER}) {
            long n = nanos.getOrDefault(phase, new AtomicLong()).getAndSet(0);
            long c = calls.getOrDefault(phase, new AtomicLong()).getAndSet(0);
            if (c > 0) {
                phases.put(phase, String.format("%.1f ms (%d)", n / 1e6, c));
                accounted += n;
            }
        }
        phases.put("Java: digests, hashes, encoding (the rest)", String.format("%.1f ms",
                Math.max(0, runMillis - accounted / 1e6)));
        phases.put("slowest statement", String.format("%.1f ms: %s", slowestNanos / 1e6, slowest));
        slowestNanos = 0;
        slowest = "";
        return phases;
    }

    private void add(String phase, long n) {
        nanos.computeIfAbsent(phase, k -> new AtomicLong()).addAndGet(n);
        calls.computeIfAbsent(phase, k -> new AtomicLong()).incrementAndGet();
    }

    private static String phaseOf(String sql) {
        String s = sql.replaceAll("\\s+", " ").trim();
        if (s.contains("advisory")) {
            return LOCK;
        }
        if (s.startsWith("INSERT INTO ledger.")) {
            return STORE;
        }
        if (s.startsWith("UPDATE ledger.checkpoints SET published_at")) {
            return PUT;
        }
        if (s.contains("export_day_time") || s.contains("ledger.row_changes") || s.contains("pg_current_snapshot")
                || s.contains("pg_snapshot_xmin")) {
            return FIND;
        }
        if (s.contains("FROM ledger.")) {
            return LEDGER_READS;
        }
        return OTHER;
    }

    DataSource wrap(DataSource dataSource) {
        return proxy(DataSource.class, dataSource, (target, method, args) -> {
            Object result = invoke(target, method, args);
            return result instanceof Connection c ? connection(c) : result;
        });
    }

    /**
     * When the run unwrapped its connection for a COPY (the leaves: {@code StoredTree}), what the copy took: the
     * driver's {@code CopyManager} is a class, not an interface, so it is timed from the unwrap to the run's next
     * call on the connection (the nodes' insert, which follows the copy at once).
     */
    private long unwrappedAt;

    private Connection connection(Connection connection) {
        return proxy(Connection.class, connection, (target, method, args) -> {
            if (unwrappedAt != 0) {
                add(STORE, System.nanoTime() - unwrappedAt);
                unwrappedAt = 0;
            }
            if (method.getName().equals("commit")) {
                return timed(COMMIT, target, method, args);
            }
            if (method.getName().equals("unwrap")) {
                Object unwrapped = invoke(target, method, args);
                unwrappedAt = System.nanoTime();
                return unwrapped;
            }
            Object result = invoke(target, method, args);
            if (result instanceof java.sql.PreparedStatement p && args != null && args[0] instanceof String sql) {
                sqlOf.put(p, sql);
                return statement(java.sql.PreparedStatement.class, p, phaseOf(sql));
            }
            if (result instanceof Statement s && !(result instanceof java.sql.PreparedStatement)) {
                return statement(Statement.class, s, null);
            }
            return result;
        });
    }

    private <T extends Statement> T statement(Class<T> type, T statement, String prepared) {
        return proxy(type, statement, (target, method, args) -> {
            String name = method.getName();
            if (!name.startsWith("execute")) {
                return invoke(target, method, args);
            }
            String phase = prepared != null ? prepared : args != null && args.length > 0 && args[0] instanceof String sql
                    ? phaseOf(sql) : OTHER;
            long t = System.nanoTime();
            Object result = timed(phase, target, method, args);
            long took = System.nanoTime() - t;
            if (took > slowestNanos) {
                slowestNanos = took;
                String text = (prepared != null ? sqlOf.getOrDefault(target, "")
                        : args != null && args.length > 0 ? String.valueOf(args[0]) : "")
                        .replaceAll("\\s+", " ");
                slowest = text.substring(0, Math.min(160, text.length()));
            }
            return result instanceof ResultSet rs ? rows(rs, phase) : result;
        });
    }

    private ResultSet rows(ResultSet rows, String phase) {
        return proxy(ResultSet.class, rows, (target, method, args) -> {
            if (!method.getName().equals("next")) {
                return invoke(target, method, args);
            }
            long t = System.nanoTime();
            Object result = invoke(target, method, args);
            nanos.computeIfAbsent(phase, k -> new AtomicLong()).addAndGet(System.nanoTime() - t);
            return result;
        });
    }

    S3Client wrap(S3Client s3) {
        return proxy(S3Client.class, s3, (target, method, args) -> method.getName().startsWith("put")
                ? timed(PUT, target, method, args)
                : method.getName().startsWith("get") || method.getName().startsWith("list")
                ? timed(S3_READS, target, method, args) : invoke(target, method, args));
    }

    KmsClient wrap(KmsClient kms) {
        return proxy(KmsClient.class, kms, (target, method, args) -> method.getName().equals("sign")
                ? timed(SIGN, target, method, args) : invoke(target, method, args));
    }

    private interface Call {
        Object apply(Object target, Method method, Object[] args) throws Throwable;
    }

    private Object timed(String phase, Object target, Method method, Object[] args) throws Throwable {
        long t = System.nanoTime();
        try {
            return invoke(target, method, args);
        } finally {
            add(phase, System.nanoTime() - t);
        }
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, Call call) {
        InvocationHandler handler = (p, method, args) -> call.apply(target, method, args);
        return (T) Proxy.newProxyInstance(RunPhases.class.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
