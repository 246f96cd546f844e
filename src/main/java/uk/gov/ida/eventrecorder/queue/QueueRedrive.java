package uk.gov.ida.eventrecorder.queue;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Moves every message of one queue (a dead-letter queue) to another by receive, send, then delete: a message is
 * deleted from the source only after it was sent, so nothing is lost if this is interrupted (at worst a message is
 * sent twice, and the recorder records it once). FIFO message groups are kept.
 */
public final class QueueRedrive {
    /** Long enough to send a batch before the received messages become visible again. */
    private static final int VISIBILITY_SECONDS = 60;

    private final SqsClient sqs;
    private final String from;
    private final String to;

    /**
     * @param moved    deleted from the source after being sent: what the DeleteMessageBatch answered as deleted
     * @param unsent   refused by the destination; they stay in the source
     * @param notDeleted sent, but their delete failed: they are still in the source and will be sent again by the
     *                 next redrive (recorded once)
     */
    public record Result(long moved, long unsent, long notDeleted, long notDeadLettered) {
    }

    private final String toArn;

    /**
     * @param toArn the destination's ARN: only messages SQS dead-lettered from it are moved. Anything else in the
     *              dead-letter queue (a body someone sent there, which the destination's producers-only policy would
     *              have refused) stays, counted as {@code notDeadLettered}
     */
    public QueueRedrive(SqsClient sqs, String from, String to, String toArn) {
        this.sqs = sqs;
        this.from = from;
        this.to = to;
        this.toArn = toArn;
    }

    public Result run() {
        boolean fifo = to.endsWith(".fifo");
        // SQS drops a FIFO message whose deduplication id it saw in the last 5 minutes, and the send still succeeds:
        // a message redriven soon after it was first sent would be deleted from the source and never arrive. The id
        // is kept, suffixed with this run, so a retry within the run is still deduplicated.
        String run = "-redrive-" + Long.toString(System.currentTimeMillis(), 36);
        long moved = 0;
        long notDeleted = 0;
        Set<String> unsent = new HashSet<>();
        Set<String> notDeadLettered = new HashSet<>();
        while (true) {
            List<Message> batch = receive(unsent, notDeadLettered, 0);
            if (batch.isEmpty()) {
                // A short poll asks a sample of SQS's servers and can come back empty while messages remain; a long
                // poll asks every one. Only an empty long poll ends the redrive.
                batch = receive(unsent, notDeadLettered, QueueDrainer.CONFIRM_EMPTY_WAIT_SECONDS);
                if (batch.isEmpty()) {
                    return new Result(moved, unsent.size(), notDeleted, notDeadLettered.size());
                }
            }
            List<Message> sending = new ArrayList<>();
            for (Message m : batch) {
                // SQS notes the queue a message was dead-lettered from; a message sent to the dead-letter queue
                // directly has none, and is not sent on (it stays, visible again after the receive's timeout).
                if (toArn.equals(m.attributes().get(MessageSystemAttributeName.DEAD_LETTER_QUEUE_SOURCE_ARN))) {
                    sending.add(m);
                } else {
                    notDeadLettered.add(m.messageId());
                }
            }
            if (sending.isEmpty()) {
                continue;
            }
            List<SendMessageBatchRequestEntry> sends = new ArrayList<>();
            for (int i = 0; i < sending.size(); i++) {
                Message m = sending.get(i);
                SendMessageBatchRequestEntry.Builder entry = SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i)).messageBody(m.body()).messageAttributes(m.messageAttributes());
                if (fifo) {
                    String group = m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
                    String dedup = Optional.ofNullable(m.attributes()
                            .get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID)).orElse(m.messageId());
                    entry.messageGroupId(group == null ? "redriven" : group)
                            .messageDeduplicationId(dedup.substring(0, Math.min(dedup.length(), 100)) + run);
                }
                sends.add(entry.build());
            }
            SendMessageBatchResponse sent = sqs.sendMessageBatch(r -> r.queueUrl(to).entries(sends));
            List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
            sent.successful().forEach(s -> deletes.add(DeleteMessageBatchRequestEntry.builder().id(s.id())
                    .receiptHandle(sending.get(Integer.parseInt(s.id())).receiptHandle()).build()));
            sent.failed().forEach(f -> unsent.add(sending.get(Integer.parseInt(f.id())).messageId()));
            if (!deletes.isEmpty()) {
                DeleteMessageBatchResponse deleted = sqs.deleteMessageBatch(r -> r.queueUrl(from).entries(deletes));
                moved += deleted.successful().size();
                notDeleted += deleted.failed().size();
            }
        }
    }

    /**
     * How many messages of the source were not dead-lettered from the destination, looked at without moving any:
     * each is received (hidden for a moment) and made visible again at once. SQS's own move task cannot be told to
     * leave them, so it is used only when there are none.
     */
    public long notDeadLetteredFromDestination() {
        Set<String> seen = new HashSet<>();
        long foreign = 0;
        List<ChangeMessageVisibilityBatchRequestEntry> release = new ArrayList<>();
        try {
            while (true) {
                List<Message> batch = receive(seen, Set.of(), 0);
                if (batch.isEmpty()) {
                    batch = receive(seen, Set.of(), QueueDrainer.CONFIRM_EMPTY_WAIT_SECONDS);
                    if (batch.isEmpty()) {
                        return foreign;
                    }
                }
                for (Message m : batch) {
                    seen.add(m.messageId());
                    if (!toArn.equals(m.attributes().get(MessageSystemAttributeName.DEAD_LETTER_QUEUE_SOURCE_ARN))) {
                        foreign++;
                    }
                    release.add(ChangeMessageVisibilityBatchRequestEntry
                            .builder().id(Integer.toString(release.size())).receiptHandle(m.receiptHandle())
                            .visibilityTimeout(0).build());
                }
            }
        } finally {
            for (int i = 0; i < release.size(); i += 10) {
                List<ChangeMessageVisibilityBatchRequestEntry> part =
                        release.subList(i, Math.min(release.size(), i + 10));
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(from).entries(part));
            }
        }
    }

    private List<Message> receive(Set<String> unsent, Set<String> notDeadLettered, int waitSeconds) {
        return sqs.receiveMessage(r -> r.queueUrl(from).maxNumberOfMessages(10).visibilityTimeout(VISIBILITY_SECONDS)
                        .waitTimeSeconds(waitSeconds).messageAttributeNames("All")
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages()
                .stream().filter(m -> !unsent.contains(m.messageId()) && !notDeadLettered.contains(m.messageId()))
                .toList();
    }
}
