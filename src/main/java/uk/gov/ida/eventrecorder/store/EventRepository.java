package uk.gov.ida.eventrecorder.store;

import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.BillingEvent;
import uk.gov.ida.eventrecorder.event.FraudEvent;

import com.zaxxer.hikari.HikariDataSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Writes events to the audit, billing and fraud tables idempotently.
 *
 * <p>A whole batch is one statement and one round trip: the rows travel as arrays, {@code unnest}ed into three
 * {@code INSERT … ON CONFLICT DO NOTHING} statements joined by data-modifying CTEs, which PostgreSQL runs atomically
 * and to completion (<a href="https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING">
 * WITH queries</a>). {@code DO NOTHING}, unlike {@code DO UPDATE}, tolerates the same key twice in one statement,
 * so a duplicate inside one SQS batch is safe. The audit insert returns the keys it wrote; an event whose key did
 * not come back was there already: a duplicate.
 *
 * <p>If the database refuses the statement for a row's content ({@link SqlFailure#ROW}), the batch is halved until
 * the bad row stands alone, so the good rows are still written. Any other failure is the database's, not the
 * rows': the whole batch fails at once with {@link DatabaseUnavailableException}, without halving. A connection
 * that cannot be used again ({@link SqlFailure#RECONNECT}: lost, shut down, or read-only after a failover) is
 * evicted from the pool and the statement is tried once more on a fresh one. Every statement runs behind the
 * container's {@link DatabaseCircuit}, so while the database is down batches fail without waiting.
 *
 * <p>Needs only INSERT of the columns it names on the three tables (and USAGE on the schemas, SELECT of the audit
 * key its RETURNING reads): it never reads, updates or deletes. Never INSERT of {@code recorded_xid}, which its
 * default sets and the export searches by (docs/deploying.md, "Database privileges").
 */
public final class EventRepository {
    private static final String INSERT_BATCH = """
            WITH audit_rows AS (
                INSERT INTO audit.audit_events
                    (event_id, time_stamp, originating_service, session_id, event_type, details)
                SELECT e.event_id, e.time_stamp::timestamp, e.originating_service, e.session_id, e.event_type,
                       e.details::jsonb
                  FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                       AS e(event_id, time_stamp, originating_service, session_id, event_type, details)
                ON CONFLICT DO NOTHING
                RETURNING event_id, time_stamp
            ), billing_rows AS (
                INSERT INTO billing.billing_events
                    (event_id, time_stamp, session_id, hashed_persistent_id, request_id, idp_entity_id,
                     minimum_level_of_assurance, provided_level_of_assurance, preferred_level_of_assurance,
                     transaction_entity_id)
                SELECT b.event_id, b.time_stamp::timestamp, b.session_id, b.pid, b.request_id, b.idp_entity_id,
                       b.minimum_loa, b.provided_loa, b.preferred_loa, b.transaction_entity_id
                  FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                              ?::text[], ?::text[], ?::text[])
                       AS b(event_id, time_stamp, session_id, pid, request_id, idp_entity_id, minimum_loa,
                            provided_loa, preferred_loa, transaction_entity_id)
                ON CONFLICT DO NOTHING
            ), fraud_rows AS (
                INSERT INTO billing.fraud_events
                    (event_id, time_stamp, session_id, hashed_persistent_id, request_id, entity_id, fraud_event_id,
                     fraud_indicator, transaction_entity_id)
                SELECT f.event_id, f.time_stamp::timestamp, f.session_id, f.pid, f.request_id, f.entity_id,
                       f.fraud_event_id, f.fraud_indicator, f.transaction_entity_id
                  FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                              ?::text[], ?::text[])
                       AS f(event_id, time_stamp, session_id, pid, request_id, entity_id, fraud_event_id,
                            fraud_indicator, transaction_entity_id)
                ON CONFLICT DO NOTHING
            )
            SELECT event_id, time_stamp FROM audit_rows
            """;

    /** The audit table's key, and the billing and fraud tables' (event_id) first: one lock order for all three. */
    private static final Comparator<AuditEvent> KEY_ORDER = Comparator.comparing(AuditEvent::eventId)
            .thenComparing(AuditEvent::timeStamp);

    /** The least time a statement is started with: less, and the batch fails at once as a database failure. */
    static final long MIN_STATEMENT_MILLIS = 1_000;

    private final Supplier<? extends DataSource> dataSource;
    private final DatabaseCircuit circuit;
    private final int statementTimeoutSeconds;
    private final boolean timedBySession;
    private final long connectTimeoutMillis;
    private final AtomicLong statements = new AtomicLong();

    /**
     * @param statementTimeout a statement running longer is cancelled (57014) and fails the batch as a database
     *                         failure, well before Lambda's own timeout would lose the whole batch's response
     */
    public EventRepository(DataSource dataSource, DatabaseCircuit circuit, Duration statementTimeout) {
        this(() -> dataSource, circuit, statementTimeout,
                Duration.ofMillis(dataSource instanceof HikariDataSource pool ? pool.getConnectionTimeout() : 0));
    }

    /**
     * @param dataSource     the pool, opened on the first statement: opening it may need KMS (a KMS-encrypted
     *                       password), and a KMS failure then fails the batch as a database failure, behind the
     *                       circuit, rather than escaping the handler
     * @param connectTimeout how long borrowing a connection may wait (a dead pooled connection is validated, then
     *                       replaced)
     */
    public EventRepository(Supplier<? extends DataSource> dataSource, DatabaseCircuit circuit,
                           Duration statementTimeout, Duration connectTimeout) {
        this(dataSource, circuit, statementTimeout, connectTimeout, false);
    }

    /**
     * @param timedBySession the pool's sessions already have {@code statementTimeout} as their
     *                       {@code statement_timeout} ({@link ConnectionPool}): the server cancels a statement itself,
     *                       and no statement needs the driver's query timeout, whose timer task per statement was the
     *                       largest single CPU cost of a warm container's batch (FleetBenchmark's profile)
     */
    public EventRepository(Supplier<? extends DataSource> dataSource, DatabaseCircuit circuit,
                           Duration statementTimeout, Duration connectTimeout, boolean timedBySession) {
        this.timedBySession = timedBySession;
        this.dataSource = dataSource;
        this.circuit = circuit;
        this.statementTimeoutSeconds = (int) Math.max(1, (statementTimeout.toMillis() + 999) / 1000);
        this.connectTimeoutMillis = connectTimeout.toMillis();
    }

    /** False while the circuit is open: a batch would fail without an attempt. */
    public boolean acceptingWork() {
        return !circuit.isOpen();
    }

    /** Statements sent so far (each halving step and each retry is one), for tests and logs. */
    public long statementsExecuted() {
        return statements.get();
    }

    /**
     * Records the events and says, in the same order, what became of each one's audit row.
     *
     * @throws DatabaseUnavailableException when the database failed (or its circuit is open); nothing can be said
     *                                      of any event
     */
    public List<StoreResult> record(List<AuditEvent> events) {
        return record(events, Deadline.NONE);
    }

    /**
     * As {@link #record(List)}, within the invocation's {@code deadline}: each statement's network timeout is the
     * time left, so a database that goes silent mid-statement fails the batch before the invocation ends. A batch
     * begun with too little time left for a connection and a statement fails at once, untried, with
     * {@link DatabaseUnavailableException} (backed off like any database failure, without opening the circuit).
     */
    public List<StoreResult> record(List<AuditEvent> events, Deadline deadline) {
        long left = deadline.remainingMillis();
        if (left < connectTimeoutMillis + MIN_STATEMENT_MILLIS) {
            throw new DatabaseUnavailableException("only " + left + " ms of the invocation remain, less than a "
                    + "connection (" + connectTimeoutMillis + " ms) and a statement (" + MIN_STATEMENT_MILLIS
                    + " ms) may take: not attempted", null);
        }
        // Rows go in in key order. INSERT … ON CONFLICT waits for another transaction's uncommitted row with the same
        // key, so two containers writing the same events (a redelivery, a redrive) in opposite orders would wait for
        // each other until PostgreSQL fails one with a deadlock (40P01). In one order for everyone they only queue.
        // The sort is stable: of two copies of a key in the batch, the first sent is still the one recorded.
        Integer[] order = IntStream.range(0, events.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparing((Integer i) -> events.get(i), KEY_ORDER));
        List<AuditEvent> sorted = Arrays.stream(order).map(events::get).toList();
        StoreResult[] sortedResults = new StoreResult[events.size()];
        recordRange(sorted, 0, sorted.size(), sortedResults, deadline);
        StoreResult[] results = new StoreResult[events.size()];
        for (int i = 0; i < order.length; i++) {
            results[order[i]] = sortedResults[i];
        }
        return Arrays.asList(results);
    }

    private void recordRange(List<AuditEvent> events, int from, int to, StoreResult[] results, Deadline deadline) {
        if (from >= to) {
            return;
        }
        List<AuditEvent> slice = events.subList(from, to);
        try {
            List<StoreResult> written = circuit.run(() -> insert(slice, deadline));
            for (int i = 0; i < written.size(); i++) {
                results[from + i] = written.get(i);
            }
        } catch (SQLException e) {
            if (to - from == 1) {
                results[from] = StoreResult.rejected(SqlFailure.describeRow(e));
                return;
            }
            // The statement failed because of some row's content: find it by halving; the rest still goes in.
            int middle = (from + to) >>> 1;
            recordRange(events, from, middle, results, deadline);
            recordRange(events, middle, to, results, deadline);
        }
    }

    private List<StoreResult> insert(List<AuditEvent> events, Deadline deadline) throws SQLException {
        List<BillingRow> billing = new ArrayList<>();
        List<FraudRow> fraud = new ArrayList<>();
        for (AuditEvent e : events) {
            if (e.billing().isPresent()) {
                billing.add(new BillingRow(e, e.billing().get()));
            }
            if (e.fraud().isPresent()) {
                fraud.add(new FraudRow(e, e.fraud().get()));
            }
        }
        Map<Key, Integer> written = new HashMap<>();
        if (deadline.remainingMillis() < connectTimeoutMillis + MIN_STATEMENT_MILLIS) {
            // Only a retry gets here (the first attempt was checked before the circuit): the attempt before it
            // failed on its connection and used the time; this is the database failing, and counts as such.
            throw new SQLTimeoutException("no time left in the invocation to retry the statement", "57014");
        }
        DataSource pool;
        try {
            pool = dataSource.get();
        } catch (DependencyException e) {
            // The password could not be decrypted, or the CA bundle read: no login is possible, as when the database
            // refuses it (28000).
            throw new SQLException("no database login: " + e.getMessage(), "28000", e);
        }
        statements.incrementAndGet();
        try (Connection connection = pool.getConnection();
             PreparedStatement statement = connection.prepareStatement(INSERT_BATCH)) {
            long budget = deadline.remainingMillis();
            if (budget != Long.MAX_VALUE) {
                // The socket's read timeout: a silent network path fails the statement (08006) within the invocation.
                // The statement timeout cannot help there: its cancel request travels the same dead path.
                connection.setNetworkTimeout(Runnable::run, (int) Math.max(MIN_STATEMENT_MILLIS,
                        Math.min(Integer.MAX_VALUE, budget)));
            }
            // A statement behind a lock on a healthy network is cancelled by the server first, keeping its connection;
            // but only when that comes well before the network timeout: the cancel request is sent on a connection of
            // its own, and on a silent path the driver waits for it (cancelSignalTimeout) before giving up the read.
            if (!timedBySession && (budget == Long.MAX_VALUE || budget > statementTimeoutSeconds * 1_000L + 3_000)) {
                statement.setQueryTimeout(statementTimeoutSeconds);
            }
            int p = 1;
            p = bind(statement, connection, p, events, AUDIT_COLUMNS);
            p = bind(statement, connection, p, billing, BILLING_COLUMNS);
            bind(statement, connection, p, fraud, FRAUD_COLUMNS);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    written.merge(new Key(rs.getString(1), rs.getObject(2, LocalDateTime.class)), 1, Integer::sum);
                }
            } catch (SQLException e) {
                if (SqlFailure.of(e) == SqlFailure.RECONNECT && pool instanceof HikariDataSource hikari) {
                    // The pool already discards connections it sees die (class 08, 57P0x), but not one that
                    // answers read-only (25006): without this, every later batch would meet the demoted primary.
                    hikari.evictConnection(connection);
                }
                throw e;
            }
        }
        // The first copy of a key in the batch takes the credit for writing it; any later copy is a duplicate.
        List<StoreResult> results = new ArrayList<>(events.size());
        for (AuditEvent e : events) {
            Key key = new Key(e.eventId(), e.timeStamp());
            Integer remaining = written.get(key);
            if (remaining != null && remaining > 0) {
                written.put(key, remaining - 1);
                results.add(StoreResult.RECORDED);
            } else {
                results.add(StoreResult.DUPLICATE);
            }
        }
        return results;
    }

    /*
     * Each column of the statement's arrays, in its order. Held in constants, so that the lambdas are made when the
     * class is initialised (before a SnapStart checkpoint, or by the warm-up during an on-demand init), not each at its
     * first call inside the first batch, where making 25 of them showed in a restored copy's class-load log.
     */
    private static final List<Function<AuditEvent, String>> AUDIT_COLUMNS = List.of(AuditEvent::eventId,
            e -> PgTimestamp.format(e.timeStamp()), AuditEvent::originatingService, AuditEvent::sessionId,
            AuditEvent::eventType, AuditEvent::detailsJson);
    private static final List<Function<BillingRow, String>> BILLING_COLUMNS = List.of(r -> r.event.eventId(),
            r -> PgTimestamp.format(r.event.timeStamp()), r -> r.event.sessionId(), r -> r.billing.hashedPersistentId(),
            r -> r.billing.requestId(), r -> r.billing.idpEntityId(), r -> r.billing.minimumLevelOfAssurance(),
            r -> r.billing.providedLevelOfAssurance(), r -> r.billing.preferredLevelOfAssurance(),
            r -> r.billing.transactionEntityId());
    private static final List<Function<FraudRow, String>> FRAUD_COLUMNS = List.of(r -> r.event.eventId(),
            r -> PgTimestamp.format(r.event.timeStamp()), r -> r.event.sessionId(), r -> r.fraud.hashedPersistentId(),
            r -> r.fraud.requestId(), r -> r.fraud.entityId(), r -> r.fraud.fraudEventId(), r -> r.fraud.fraudIndicator(),
            r -> r.fraud.transactionEntityId());

    private static <T> int bind(PreparedStatement statement, Connection connection, int first, List<T> rows,
                                List<Function<T, String>> columns) throws SQLException {
        int p = first;
        for (Function<T, String> column : columns) {
            String[] values = new String[rows.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = column.apply(rows.get(i));
            }
            statement.setArray(p++, connection.createArrayOf("text", values));
        }
        return p;
    }

    /**
     * Written out, not left to the record: a record's generated equals and hashCode are bootstrapped through method
     * handles on their first call, which cost the first batch of a cold start or a restored snapshot about 25 ms
     * (a class-load log of the restored copy: ObjectMethods and some 60 lambda forms, inside the batch).
     */
    private record Key(String eventId, LocalDateTime timeStamp) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key k && java.util.Objects.equals(eventId, k.eventId)
                    && java.util.Objects.equals(timeStamp, k.timeStamp);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hashCode(eventId) + java.util.Objects.hashCode(timeStamp);
        }
    }

    private record BillingRow(AuditEvent event, BillingEvent billing) {
    }

    private record FraudRow(AuditEvent event, FraudEvent fraud) {
    }
}
