package uk.gov.ida.eventrecorder;

import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The bound of one AWS call: its own (the whole call, the SDK's retries included), or the time left in the invocation
 * the thread works for ({@link Deadline#current()}, less the reserve the outage back-off's SQS calls need) when that
 * is shorter. So the calls made before an invocation's first statement (KMS for the data keys or the password, S3 for
 * a key object or the CA bundle) never outlive it: a slow KMS fails the batch as a dependency, backed off, with the
 * reserve still left for the back-off (docs/design.md, "Timeouts").
 */
public final class OutsideCall {
    /** KMS answers in milliseconds when it answers. */
    public static final Duration KMS = Duration.ofSeconds(6);
    public static final Duration SQS = Duration.ofSeconds(6);
    /** S3 moves whole objects (fraud uploads up to 20 MiB, copies). */
    public static final Duration S3 = Duration.ofSeconds(60);

    private OutsideCall() {
    }

    /** For a request's {@code overrideConfiguration}: the call's bound now. */
    public static Consumer<AwsRequestOverrideConfiguration.Builder> within(Duration own) {
        Duration bound = Deadline.current().bound(own);
        return o -> o.apiCallTimeout(bound).apiCallAttemptTimeout(bound.compareTo(own) < 0 ? bound : null);
    }
}
