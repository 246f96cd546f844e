package uk.gov.ida.eventrecorder.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.InboundMessage;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Keeps messages that failed because of the database away from the dead-letter queue for as long as an outage
 * lasts: each is hidden for {@code min(max, base × 2^(receiveCount − 1))} seconds
 * (<a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html">
 * ChangeMessageVisibility</a>), so its remaining receives are spread over hours instead of used up in minutes. A
 * message that failed for its own content keeps the queue's visibility timeout, so poison still reaches the
 * dead-letter queue quickly.
 */
public final class OutageBackoff {
    private static final Logger LOG = LoggerFactory.getLogger(OutageBackoff.class);
    private static final int MAX_BATCH = 10; // the SQS maximum per ChangeMessageVisibilityBatch
    /**
     * SQS refuses a visibility timeout that ends more than 12 hours after the message was received
     * (<a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html">
     * ChangeMessageVisibility</a>), and a refused entry keeps only the queue's timeout: the back-off would be lost.
     */
    static final long SQS_VISIBILITY_LIMIT_SECONDS = 43_200;
    /** Kept clear of that limit for the clock of the call itself. */
    private static final long LIMIT_SLACK_SECONDS = 10;

    private final Supplier<SqsClient> sqs;
    private final long baseSeconds;
    private final long maxSeconds;

    /** @param sqs built on first use: a container that never meets a database failure never builds it */
    public OutageBackoff(Supplier<SqsClient> sqs, Duration base, Duration max) {
        this.sqs = sqs;
        this.baseSeconds = base.toSeconds();
        this.maxSeconds = max.toSeconds();
    }

    /** The visibility timeout for a message that failed for a database reason on its {@code receiveCount}-th receive. */
    public long visibilitySeconds(int receiveCount) {
        long seconds = baseSeconds;
        for (int k = 1; k < receiveCount && seconds < maxSeconds; k++) {
            seconds *= 2;
        }
        return Math.min(seconds, maxSeconds);
    }

    /**
     * The back-off for a message received {@code sinceReceiveMillis} ago: {@link #visibilitySeconds(int)}, but never
     * past SQS's 12-hour limit counted from the receive.
     */
    public long visibilitySeconds(int receiveCount, long sinceReceiveMillis) {
        long limit = SQS_VISIBILITY_LIMIT_SECONDS - LIMIT_SLACK_SECONDS - (Math.max(0, sinceReceiveMillis) + 999) / 1000;
        return Math.max(0, Math.min(visibilitySeconds(receiveCount), limit));
    }

    /** @return how many messages were given a longer visibility timeout */
    public int apply(String queueUrl, List<InboundMessage> messages, BatchOutcome outcome) {
        long now = System.currentTimeMillis();
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            MessageOutcome o = outcome.outcomes().get(i);
            InboundMessage m = messages.get(i);
            if (o.dependencyFailed() && m.receiptHandle() != null) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(m.receiptHandle())
                        .visibilityTimeout((int) visibilitySeconds(m.receiveCount(), now - m.receivedAtMillis()))
                        .build());
            }
        }
        int changed = 0;
        for (int from = 0; from < entries.size(); from += MAX_BATCH) {
            List<ChangeMessageVisibilityBatchRequestEntry> chunk =
                    entries.subList(from, Math.min(entries.size(), from + MAX_BATCH));
            try {
                ChangeMessageVisibilityBatchResponse response = sqs.get()
                        .changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(chunk));
                changed += response.successful().size();
                response.failed().forEach(f -> LOG.warn("outage back-off not set for batch entry {}: {} {} (the "
                        + "message returns after the queue's visibility timeout)", f.id(), f.code(), f.message()));
            } catch (SdkException e) {
                LOG.warn("outage back-off not set for {} messages ({}); they return after the queue's visibility "
                        + "timeout", chunk.size(), e.getClass().getSimpleName());
            }
        }
        if (changed > 0) {
            LOG.info("database failure: {} messages hidden for {}-{} s before their next attempt", changed,
                    visibilitySeconds(minReceiveCount(messages)), visibilitySeconds(maxReceiveCount(messages)));
        }
        return changed;
    }

    private static int minReceiveCount(List<InboundMessage> messages) {
        return messages.stream().mapToInt(InboundMessage::receiveCount).min().orElse(1);
    }

    private static int maxReceiveCount(List<InboundMessage> messages) {
        return messages.stream().mapToInt(InboundMessage::receiveCount).max().orElse(1);
    }
}
