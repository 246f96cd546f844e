package uk.gov.ida.eventrecorder.pipeline;

import uk.gov.ida.eventrecorder.event.RejectionReason;

/**
 * What became of one message. Only {@link Status#FAILED} messages go back to the queue.
 *
 * @param eventId {@code null} when the message could not be read far enough to know it
 * @param reason  {@code null} unless failed
 */
public record MessageOutcome(String messageId, String eventId, Status status, RejectionReason reason,
                             String detail) {
    public enum Status { RECORDED, DUPLICATE, FAILED }

    public static MessageOutcome recorded(String messageId, String eventId) {
        return new MessageOutcome(messageId, eventId, Status.RECORDED, null, "");
    }

    public static MessageOutcome duplicate(String messageId, String eventId) {
        return new MessageOutcome(messageId, eventId, Status.DUPLICATE, null, "");
    }

    public static MessageOutcome failed(String messageId, String eventId, RejectionReason reason, String detail) {
        return new MessageOutcome(messageId, eventId, Status.FAILED, reason, detail);
    }

    public boolean failed() {
        return status == Status.FAILED;
    }
}
