package uk.gov.ida.eventrecorder.pipeline;

import uk.gov.ida.eventrecorder.FailureClass;
import uk.gov.ida.eventrecorder.event.RejectionReason;

/**
 * What became of one message. Only {@link Status#FAILED} messages go back to the queue.
 *
 * @param eventId {@code null} when the message could not be read far enough to know it
 * @param reason  {@code null} unless failed
 * @param dataKey the position (1, 2, …) of the data key the message decrypted under, 0 when it did not decrypt or
 *                came from an archive (so an operator can see when an old key stops being used)
 */
public record MessageOutcome(String messageId, String eventId, Status status, RejectionReason reason,
                             String detail, int dataKey) {
    public enum Status { RECORDED, DUPLICATE, FAILED }

    public static MessageOutcome recorded(String messageId, String eventId) {
        return new MessageOutcome(messageId, eventId, Status.RECORDED, null, "", 0);
    }

    public static MessageOutcome duplicate(String messageId, String eventId) {
        return new MessageOutcome(messageId, eventId, Status.DUPLICATE, null, "", 0);
    }

    public static MessageOutcome failed(String messageId, String eventId, RejectionReason reason, String detail) {
        return new MessageOutcome(messageId, eventId, Status.FAILED, reason, detail, 0);
    }

    public MessageOutcome withDataKey(int position) {
        return new MessageOutcome(messageId, eventId, status, reason, detail, position);
    }

    public boolean failed() {
        return status == Status.FAILED;
    }

    /** Failed because of something the recorder depends on, not the message's content: it is backed off. */
    public boolean dependencyFailed() {
        return failed() && reason.failureClass() == FailureClass.DEPENDENCY;
    }
}
