package uk.gov.ida.eventrecorder.pipeline;

/**
 * One queue message as any entry point hands it over.
 *
 * @param messageGroupId the FIFO message group, or {@code null} on a standard queue
 */
public record InboundMessage(String messageId, String body, String messageGroupId) {
}
