package uk.gov.ida.eventrecorder;

import java.util.function.LongSupplier;

/**
 * When the work of one invocation must be finished: Lambda's {@code Context.getRemainingTimeInMillis()} less a
 * reserve for what still has to happen after it (the outage back-off's SQS call, the answer). Every database call
 * of the invocation sizes its network timeout from it, so no call the recorder makes outlives the invocation: a
 * database that goes silent mid-statement is answered before Lambda would kill the invocation (README, "Timeouts").
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
}
