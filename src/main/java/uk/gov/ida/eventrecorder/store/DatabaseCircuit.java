package uk.gov.ida.eventrecorder.store;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;

/**
 * One per container: runs each database statement behind a circuit breaker, with one retry on a fresh connection
 * when the connection itself failed, and up to two when the statement lost a race ({@link SqlFailure#RACE}).
 *
 * <p>After a database failure the circuit opens and every statement fails at once, without a connection attempt,
 * until the open period ends; then one statement probes, and a success closes the circuit. Without it, every
 * invocation during an outage waits the whole connect timeout, in every container, for the whole outage. The open
 * period is kept no longer than the first outage back-off of a message, so a message that comes back after its
 * back-off always gets a real attempt.
 *
 * <p>A row's own error ({@link SqlFailure#ROW}) says the database is working: it neither opens the circuit nor is
 * retried.
 */
public final class DatabaseCircuit {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseCircuit.class);

    /**
     * The longest a statement waits for the maintenance to attach its row's month (docs/operating.md, "Partitions
     * upkeep").
     */
    static final Duration ATTACH_WAIT = Duration.ofSeconds(5);
    private final CircuitBreaker<Object> breaker;
    private final FailsafeExecutor<Object> executor;
    private final Duration openFor;

    public DatabaseCircuit(Duration openFor) {
        this.openFor = openFor;
        this.breaker = CircuitBreaker.builder()
                .handleIf(DatabaseCircuit::isDatabaseFailure)
                .withFailureThreshold(1)
                .withSuccessThreshold(1)
                .withDelay(openFor)
                .onOpen(e -> LOG.warn("database circuit open: batches fail at once for {} ms, then one probes",
                        openFor.toMillis()))
                .onHalfOpen(e -> LOG.info("database circuit half-open: the next batch probes the database"))
                .onClose(e -> LOG.info("database circuit closed: the database answers again"))
                .build();
        RetryPolicy<Object> reconnectOnce = retry(SqlFailure.RECONNECT, 1,
                "database connection failed ({}); retrying once on a fresh connection");
        RetryPolicy<Object> raceAgain = retry(SqlFailure.RACE, 2,
                "statement lost a race with another transaction ({}); trying it again");
        RetryPolicy<Object> afterTheAttach = RetryPolicy.builder()
                .handleIf(failure -> failure instanceof SQLException s && SqlFailure.of(s) == SqlFailure.ATTACHING)
                .withDelay(Duration.ofMillis(10)).withMaxDuration(ATTACH_WAIT)
                .withMaxRetries(-1)
                .onRetry(e -> LOG.info("the row's month is being attached as a partition; trying again"))
                .build();
        // The breaker is outermost: a statement that fails, is retried and fails again counts as one failure.
        this.executor = Failsafe.with(breaker).compose(reconnectOnce).compose(raceAgain).compose(afterTheAttach);
    }

    /**
     * @throws SQLException                 a row error ({@link SqlFailure#ROW}): the caller isolates the row
     * @throws DatabaseUnavailableException any other failure, or the circuit is open
     */
    @SuppressWarnings("unchecked")
    public <T> T run(CheckedSupplier<T> statement) throws SQLException {
        try {
            return (T) executor.get(statement::get);
        } catch (CircuitBreakerOpenException e) {
            throw new DatabaseUnavailableException("the database failed less than " + openFor.toMillis()
                    + " ms ago; not tried again until the circuit's open period ends (circuit open)", null);
        } catch (FailsafeException e) {
            if (e.getCause() instanceof SQLException failure) {
                if (SqlFailure.of(failure) == SqlFailure.ROW) {
                    throw failure;
                }
                throw new DatabaseUnavailableException("database failure, " + SqlFailure.describe(failure), failure);
            }
            throw e;
        }
    }

    /** True while batches fail without an attempt; a drain does not take messages off the queue then. */
    public boolean isOpen() {
        // Failsafe turns an open breaker half-open only when the next call asks; its remaining delay says whether
        // that call would be let through as the probe.
        return breaker.isOpen() && !breaker.getRemainingDelay().isZero();
    }

    private static RetryPolicy<Object> retry(SqlFailure kind, int times, String logLine) {
        return RetryPolicy.builder()
                .handleIf(failure -> failure instanceof SQLException s && SqlFailure.of(s) == kind)
                .withMaxRetries(times)
                .onRetry(e -> LOG.warn(logLine,
                        e.getLastException() instanceof SQLException s ? SqlFailure.describe(s) : "?"))
                .build();
    }

    private static boolean isDatabaseFailure(Throwable failure) {
        return failure instanceof SQLException s && SqlFailure.of(s) != SqlFailure.ROW;
    }
}
