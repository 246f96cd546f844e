package uk.gov.ida.eventrecorder.pipeline;

/**
 * One queue message as any entry point hands it over.
 *
 * @param messageGroupId the FIFO message group, or {@code null} on a standard queue
 * @param receiptHandle  what SQS needs to change the message's visibility, or {@code null} off a queue
 * @param receiveCount   SQS's {@code ApproximateReceiveCount}: 1 on the first delivery
 * @param receivedAtMillis when this delivery was received from SQS (epoch ms), or the earliest it can have been:
 *                       SQS refuses a visibility timeout reaching more than 12 hours past the receive
 */
public record InboundMessage(String messageId, String body, String messageGroupId, String receiptHandle,
                             int receiveCount, long receivedAtMillis) {

    /** Received just now (or not from a queue). */
    public InboundMessage(String messageId, String body, String messageGroupId, String receiptHandle,
                          int receiveCount) {
        this(messageId, body, messageGroupId, receiptHandle, receiveCount, System.currentTimeMillis());
    }

    /** A message that did not come from a queue (tests, the replay path): first delivery, no receipt. */
    public InboundMessage(String messageId, String body, String messageGroupId) {
        this(messageId, body, messageGroupId, null, 1);
    }

    /** SQS's attribute as text; absent or unreadable counts as a first delivery. */
    public static int receiveCount(String approximateReceiveCount) {
        try {
            return approximateReceiveCount == null ? 1 : Math.max(1, Integer.parseInt(approximateReceiveCount));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
