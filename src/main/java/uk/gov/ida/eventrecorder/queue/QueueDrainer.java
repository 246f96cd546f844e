package uk.gov.ida.eventrecorder.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.EventPipeline;
import uk.gov.ida.eventrecorder.pipeline.InboundMessage;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Reads a queue until it is empty, as the scheduled service this replaces did: receive up to ten messages, record
 * them, delete those that succeeded in one batch call, and leave failures to reappear after their visibility
 * timeout (and, after {@code maxReceiveCount} receives, to move to the dead-letter queue).
 *
 * <p>A message that is not deleted (failed, or its delete failed) returns when its visibility timeout ends; a
 * redelivered message that was in fact recorded is then a duplicate, recorded once.
 */
public final class QueueDrainer {
    private static final Logger LOG = LoggerFactory.getLogger(QueueDrainer.class);
    private static final int MAX_MESSAGES = 10; // the SQS maximum per ReceiveMessage

    private final SqsClient sqs;
    private final EventPipeline pipeline;
    private final String queueUrl;
    private final boolean fifo;
    private final Duration safetyMargin;
    private final OutageBackoff backoff;
    private final BooleanSupplier databaseAcceptingWork;

    /**
     * @param backoff               hides messages that failed because of the database for their outage back-off
     * @param databaseAcceptingWork false while the database circuit is open: no message is taken off the queue
     *                              then, since it could only fail and spend one of its receives
     */
    public QueueDrainer(SqsClient sqs, EventPipeline pipeline, String queueUrl, Duration safetyMargin,
                        OutageBackoff backoff, BooleanSupplier databaseAcceptingWork) {
        this.sqs = sqs;
        this.pipeline = pipeline;
        this.queueUrl = queueUrl;
        this.fifo = queueUrl.endsWith(".fifo");
        this.safetyMargin = safetyMargin;
        this.backoff = backoff;
        this.databaseAcceptingWork = databaseAcceptingWork;
    }

    /**
     * @param remainingMillis the Lambda time left (Lambda's {@code Context.getRemainingTimeInMillis})
     * @param onBatch         told of each batch's outcome, how long it took to record and acknowledge, and how
     *                        many of its messages were given an outage back-off
     */
    public DrainSummary drain(LongSupplier remainingMillis, BatchListener onBatch) {
        long started = System.nanoTime();
        long received = 0, recorded = 0, duplicates = 0, failed = 0, deleteFailures = 0, batches = 0;
        String stopReason;
        while (true) {
            if (remainingMillis.getAsLong() < safetyMargin.toMillis()) {
                stopReason = "time";
                break;
            }
            if (!databaseAcceptingWork.getAsBoolean()) {
                stopReason = "database unavailable";
                break;
            }
            List<Message> messages;
            try {
                messages = receive();
            } catch (SdkException e) {
                LOG.error("receive from the queue failed: {}", e.getMessage());
                stopReason = "queue unavailable";
                break;
            }
            if (messages.isEmpty()) {
                stopReason = "empty";
                break;
            }
            long batchStarted = System.nanoTime();
            batches++;
            received += messages.size();
            List<InboundMessage> inbound = toInbound(messages);
            BatchOutcome outcome = pipeline.process(inbound, fifo);
            int backedOff = outcome.anyDatabaseFailure() ? backoff.apply(queueUrl, inbound, outcome) : 0;
            recorded += outcome.recorded();
            duplicates += outcome.duplicates();
            failed += outcome.failed();
            deleteFailures += deleteSucceeded(messages, outcome);
            onBatch.batch(outcome, (System.nanoTime() - batchStarted) / 1_000_000, backedOff);
            if (outcome.databaseUnavailable()) {
                // Draining on would only cycle every message through its receive count towards the DLQ.
                stopReason = "database unavailable";
                break;
            }
        }
        DrainSummary summary = new DrainSummary(received, recorded, duplicates, failed, deleteFailures, batches,
                (System.nanoTime() - started) / 1_000_000, stopReason);
        LOG.info("drain finished: received={} recorded={} duplicates={} failed={} delete_failures={} batches={} "
                        + "elapsed_ms={} stopped={}", received, recorded, duplicates, failed, deleteFailures, batches,
                summary.elapsedMillis(), stopReason);
        return summary;
    }

    /** Told of each batch a drain records. */
    @FunctionalInterface
    public interface BatchListener {
        void batch(BatchOutcome outcome, long elapsedMillis, int backedOff);
    }

    private List<Message> receive() {
        // No long poll: a scheduled drain stops as soon as the queue looks empty.
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(MAX_MESSAGES).waitTimeSeconds(0)
                .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID,
                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
    }

    private static List<InboundMessage> toInbound(List<Message> messages) {
        List<InboundMessage> inbound = new ArrayList<>(messages.size());
        for (Message m : messages) {
            inbound.add(new InboundMessage(m.messageId(), m.body(),
                    m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID), m.receiptHandle(),
                    InboundMessage.receiveCount(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))));
        }
        return inbound;
    }

    /** @return how many deletes failed; such messages come back and are then recorded as duplicates */
    private long deleteSucceeded(List<Message> messages, BatchOutcome outcome) {
        Map<String, Message> byId = new HashMap<>();
        messages.forEach(m -> byId.put(m.messageId(), m));
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
        int n = 0;
        for (MessageOutcome o : outcome.outcomes()) {
            if (!o.failed()) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(n++))
                        .receiptHandle(byId.get(o.messageId()).receiptHandle()).build());
            }
        }
        if (entries.isEmpty()) {
            return 0;
        }
        try {
            DeleteMessageBatchResponse response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
            response.failed().forEach(f -> LOG.warn("delete failed for batch entry {}: {} {} (the message will be "
                    + "received again and recorded as a duplicate)", f.id(), f.code(), f.message()));
            return response.failed().size();
        } catch (SdkException e) {
            LOG.warn("delete batch failed ({}); {} recorded messages will be received again and recorded as "
                    + "duplicates", e.getClass().getSimpleName(), entries.size());
            return entries.size();
        }
    }
}
