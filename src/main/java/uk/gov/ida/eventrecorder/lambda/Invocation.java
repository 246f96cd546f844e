package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.wiring.AwsClients;

import java.time.Duration;

/**
 * How the time of one invocation is shared out (docs/design.md, "Timeouts"): recording gets Lambda's time left less a
 * reserve for what follows it, the outage back-off's (or the drain's delete) SQS call, bounded by
 * {@link AwsClients#SQS_CALL_TIMEOUT}, and a second to answer.
 */
final class Invocation {
    /** Kept back from recording for the SQS call after it and the answer. */
    static final Duration RESERVE = AwsClients.SQS_CALL_TIMEOUT.plusSeconds(1);
    /** A statement is never started with less than this left (see {@code EventRepository}). */
    private static final Duration LEAST_STATEMENT = Duration.ofSeconds(1);

    private Invocation() {
    }

    /** The deadline of recording in this invocation; none when called without a Lambda context (local runs). */
    static Deadline deadline(Context context) {
        if (context == null) {
            return Deadline.NONE;
        }
        return Deadline.of(context::getRemainingTimeInMillis, RESERVE.toMillis());
    }

    /**
     * The deadline of an S3 import: the time left less one S3 call, which the replay needs to note how far it got
     * (or to write its report) after its last batch.
     */
    static Deadline importDeadline(Context context) {
        if (context == null) {
            return Deadline.NONE;
        }
        return Deadline.of(context::getRemainingTimeInMillis, AwsClients.S3_CALL_TIMEOUT.plusSeconds(1).toMillis());
    }

    /**
     * The drain takes no new batch with less time left than {@code DRAIN_SAFETY_MARGIN_MS}, nor with less than a
     * batch may need: the reserve, a connection, a statement. A smaller margin would start batches that fail untried.
     */
    static Duration drainMargin(RecorderConfig config) {
        Duration least = RESERVE.plus(config.database().connectTimeout()).plus(LEAST_STATEMENT);
        return config.drainSafetyMargin().compareTo(least) < 0 ? least : config.drainSafetyMargin();
    }
}
