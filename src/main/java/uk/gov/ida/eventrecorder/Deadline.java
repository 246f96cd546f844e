package uk.gov.ida.eventrecorder;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * When the work of one invocation must be finished: Lambda's {@code Context.getRemainingTimeInMillis()} less a
 * reserve for what still has to happen after it (the outage back-off's SQS call, the answer). Every database call
 * of the invocation sizes its network timeout from it, so no call the recorder makes outlives the invocation: a
 * database that goes silent mid-statement is answered before Lambda would kill the invocation (docs/design.md,
 * "Timeouts").
 */
public final class Deadline {
    /** No invocation: tools, tests and benchmarks that have no Lambda clock. */
    public static final Deadline NONE = new Deadline(() -> Long.MAX_VALUE, 0);

    private final LongSupplier remainingMillis;
    private final long reserveMillis;

    private Deadline(LongSupplier remainingMillis, long reserveMillis) {
        this.remainingMillis = remainingMillis;
        this.reserveMillis = reserveMillis;
    }

    /**
     * @param remainingMillis the invocation's time left (Lambda's {@code Context.getRemainingTimeInMillis})
     * @param reserveMillis   kept back for the work after recording
     */
    public static Deadline of(LongSupplier remainingMillis, long reserveMillis) {
        return new Deadline(remainingMillis, reserveMillis);
    }

    /** Time left for recording work, less the reserve; never negative. */
    public long remainingMillis() {
        long remaining = remainingMillis.getAsLong();
        return remaining == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, remaining - reserveMillis);
    }

    /** The invocation's own time left, reserve included (the drain's margin is counted against this). */
    public long invocationRemainingMillis() {
        return remainingMillis.getAsLong();
    }

    public boolean bounded() {
        return remainingMillis() != Long.MAX_VALUE;
    }

    // The invocation a thread is working for. The outside calls made before an invocation's first statement (KMS
    // for the data keys or the password, S3 for a key object or the CA bundle) sit deep inside lazily built
    // dependencies, shared by every entry point and command: they read their bound here rather than have a deadline
    // threaded through every constructor. Set only for the duration of an invocation, on its own threads.
    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    /** While the returned scope is open, {@link #current()} on this thread is this deadline. */
    public Scope enter() {
        Deadline outer = CURRENT.get();
        CURRENT.set(this);
        return () -> {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        };
    }

    /** The deadline of the invocation this thread works for; {@link #NONE} outside one (a command, a warm-up). */
    public static Deadline current() {
        Deadline deadline = CURRENT.get();
        return deadline == null ? NONE : deadline;
    }

    /**
     * How long an outside call may take now: its own bound, or the time left before the reserve if that is shorter
     * (at least a millisecond, so that a call with no time left fails at once rather than unbounded).
     */
    public Duration bound(Duration own) {
        long left = remainingMillis();
        return left >= own.toMillis() ? own : Duration.ofMillis(Math.max(1, left));
    }

    /**
     * Takes {@code lock}, waiting no longer than the invocation this thread works for has ({@link #current()}): a
     * build that another thread holds (the start-up's warm-up, stuck in an outside call) must not hold the invocation
     * past its time. Outside an invocation it waits as long as it takes.
     *
     * @return false when the time ran out (or the wait was interrupted) without the lock
     */
    public static boolean lock(ReentrantLock lock) {
        Deadline deadline = current();
        if (!deadline.bounded()) {
            lock.lock();
            return true;
        }
        try {
            return lock.tryLock(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An entered deadline; closing it restores the thread's previous one. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
