package uk.gov.ida.eventrecorder;

import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one failure policy of every entry point: is a failure about the content (of a message, a line, an uploaded
 * file), about a dependency (database, KMS, S3, SQS), or unknown? Decided here, as a value; each entry point only maps
 * the class to its transport:
 *
 * <table>
 * <caption>what each entry point does with each class</caption>
 * <tr><th></th><th>content</th><th>dependency</th><th>unknown</th></tr>
 * <tr><td>queue handlers</td><td>message failed; the queue's own retries, then the dead-letter queue</td>
 *     <td>message failed and hidden for its outage back-off; the container fails fast while the dependency's
 *     circuit is open</td><td>message failed (retried, then the dead-letter queue)</td></tr>
 * <tr><td>S3 import handlers</td><td>reported (replay report, upload validation failure)</td>
 *     <td>the invocation ends with an error, so Lambda retries it, then sends the event to the on-failure
 *     destination</td><td>as dependency</td></tr>
 * <tr><td>operator commands</td><td>printed as the verdict</td><td>printed; exit non-zero</td>
 *     <td>printed; exit non-zero</td></tr>
 * </table>
 *
 * <p>Like Kafka Connect's retriable and non-retriable errors: only content failures are final for the thing that
 * failed; a dependency failure says nothing about it.
 *
 * <p>The policy sits below everything it classifies: it names no stage's package. A stage's failures reach it as
 * {@link ContentException} or {@link DependencyException}, and a queue message's rejection reason carries its class
 * ({@code event.RejectionReason}), so that no stage and the policy import each other.
 */
public enum FailureClass {
    CONTENT, DEPENDENCY, UNKNOWN;

    public static FailureClass of(Throwable failure) {
        if (failure instanceof ContentException) {
            return CONTENT;
        }
        if (failure instanceof ReportedFailure reported) {
            return reported.failureClass();
        }
        if (failure instanceof DependencyException || failure instanceof SdkException) {
            // An AWS call that failed after the SDK's own retries (S3 or SQS unreachable, throttled, refused).
            return DEPENDENCY;
        }
        return UNKNOWN;
    }


    /** True for what must be tried again later rather than reported as final: an import handler throws it. */
    public boolean retriable() {
        return this != CONTENT;
    }
}
