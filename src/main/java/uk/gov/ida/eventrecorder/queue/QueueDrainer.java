package uk.gov.ida.eventrecorder.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.EventPipeline;
import uk.gov.ida.eventrecorder.pipeline.InboundMessage;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reads a queue until it is empty, as the scheduled service this replaces did: receive up to ten messages, record
 * them, delete those that succeeded in one batch call, and leave failures to reappear after their visibility
 * timeout (and, after {@code maxReceiveCount} receives, to move to the dead-letter queue).
 *
 * <p>Several such loops run at once ({@code DRAIN_CONCURRENCY}), sharing the pipeline and the container's pool: each
 * SQS call is a network round trip, and while one loop waits for SQS another records. Each loop stops on its own when
 * it finds the queue empty (a short poll, then a long poll to be sure) or too little Lambda time left; all stop when a
 * dependency is unavailable (the database or the data keys, or their circuit open) or the queue does not answer. A batch in hand is always finished: recorded, then deleted or left to come
 * back. A FIFO queue is drained by one loop, so that its batches, and with them each message group, are handled in
 * the order received.
 *
 * <p>A message that is not deleted (failed, or its delete failed) returns when its visibility timeout ends; a
 * redelivered message that was in fact recorded is then a duplicate, recorded once.
 */
public final class QueueDrainer {
    private static final Logger LOG = LoggerFactory.getLogger(QueueDrainer.class);
    private static final int MAX_MESSAGES = 10; // the SQS maximum per ReceiveMessage
    /**
     * A short poll asks only a sample of SQS's servers and may come back empty while the queue holds messages
     * (<a href="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html">
     * short and long polling</a>); a long poll asks them all. So an empty short poll is confirmed by a long poll of
     * this many seconds before a loop calls the queue empty.
     */
    public static final int CONFIRM_EMPTY_WAIT_SECONDS = 1;

    private final SqsClient sqs;
    private final EventPipeline pipeline;
    private final String queueUrl;
    private final boolean fifo;
    private final Duration safetyMargin;
    private final OutageBackoff backoff;
    private final Supplier<String> refusingWork;
    private final int loops;
    private final Executor executor;

    /**
     * @param backoff               hides messages that failed because of the database for their outage back-off
     * @param refusingWork why a batch would now fail untried (the database's or the data keys' circuit is open), or
     *                     null: no message is taken off the queue then, since it could only fail
     * @param concurrency receive loops at once ({@link #loops}: 1 for a FIFO queue whatever is asked)
     * @param executor    runs the loops beyond the first (which runs on the calling thread); needs
     *                    {@code concurrency - 1} threads
     */
    public QueueDrainer(SqsClient sqs, EventPipeline pipeline, String queueUrl, Duration safetyMargin,
                        OutageBackoff backoff, Supplier<String> refusingWork, int concurrency,
                        Executor executor) {
        this.sqs = sqs;
        this.pipeline = pipeline;
        this.queueUrl = queueUrl;
        this.fifo = queueUrl.endsWith(".fifo");
        this.safetyMargin = safetyMargin;
        this.backoff = backoff;
        this.refusingWork = refusingWork;
        this.loops = loops(queueUrl, concurrency);
        this.executor = executor;
    }

    /** The receive loops a drain of {@code queueUrl} runs: one for a FIFO queue, to keep its order. */
    public static int loops(String queueUrl, int concurrency) {
        return queueUrl.endsWith(".fifo") ? 1 : Math.max(1, concurrency);
    }

    /** What all loops did, added up as they go; the reason that stopped every loop, once there is one. */
    private static final class Tally {
        long received, recorded, duplicates, failed, deleteFailures, batches;
        String stopAll;
        boolean timeShort;

        synchronized void add(int messages, BatchOutcome outcome, long deleteFailed) {
            batches++;
            received += messages;
            recorded += outcome.recorded();
            duplicates += outcome.duplicates();
            failed += outcome.failed();
            deleteFailures += deleteFailed;
        }

        synchronized void stopAll(String reason) {
            if (stopAll == null) {
                stopAll = reason;
            }
        }

        synchronized String stopAll() {
            return stopAll;
        }

        synchronized void timeShort() {
            timeShort = true;
        }

        synchronized boolean wasTimeShort() {
            return timeShort;
        }
    }

    /**
     * @param remainingMillis the Lambda time left (Lambda's {@code Context.getRemainingTimeInMillis})
     * @param onBatch         told of each batch's outcome, how long it took to record and acknowledge, and how
     *                        many of its messages were given an outage back-off; called from each loop's thread
     */
    public DrainSummary drain(LongSupplier remainingMillis, BatchListener onBatch) {
        return drain(Deadline.of(remainingMillis, 0), onBatch);
    }

    /**
     * @param deadline the invocation's: no batch is taken with less than the safety margin of its time left, and
     *                 each batch's statement ends before it
     */
    public DrainSummary drain(Deadline deadline, BatchListener onBatch) {
        long started = System.nanoTime();
        Tally tally = new Tally();
        List<CompletableFuture<Void>> others = new ArrayList<>();
        // The first batch goes alone: if the database is down it is the only one taken off the queue (as the circuit's
        // probe), and an empty queue costs one receive. The other loops start once it has been recorded.
        boolean more = loop(deadline, onBatch, tally, 1);
        // The loop threads outlive an invocation: give them this one's log context (its request id), and take it back.
        Map<String, String> logContext = MDC.getCopyOfContextMap();
        for (int i = 1; more && i < loops; i++) {
            others.add(CompletableFuture.runAsync(() -> {
                Map<String, String> before = MDC.getCopyOfContextMap();
                MDC.setContextMap(logContext == null ? Map.of() : logContext);
                try {
                    loop(deadline, onBatch, tally, Long.MAX_VALUE);
                } catch (RuntimeException e) {
                    tally.stopAll("error");
                    throw e;
                } finally {
                    MDC.setContextMap(before == null ? Map.of() : before);
                }
            }, executor));
        }
        RuntimeException failure = null;
        try {
            if (more) {
                loop(deadline, onBatch, tally, Long.MAX_VALUE);
            }
        } catch (RuntimeException e) {
            tally.stopAll("error");
            failure = e;
        }
        // Every loop finishes its batch in hand before the handler returns: nothing is left half-done.
        for (CompletableFuture<Void> other : others) {
            try {
                other.join();
            } catch (CompletionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        String stopReason = tally.stopAll() != null ? tally.stopAll() : tally.wasTimeShort() ? "time" : "empty";
        DrainSummary summary;
        synchronized (tally) {
            summary = new DrainSummary(tally.received, tally.recorded, tally.duplicates, tally.failed,
                    tally.deleteFailures, tally.batches, (System.nanoTime() - started) / 1_000_000, stopReason);
        }
        LOG.info("drain finished: received={} recorded={} duplicates={} failed={} delete_failures={} batches={} "
                        + "elapsed_ms={} stopped={} loops={}", summary.received(), summary.recorded(),
                summary.duplicates(), summary.failed(), summary.deleteFailures(), summary.batches(),
                summary.elapsedMillis(), stopReason, loops);
        return summary;
    }

    /** @return true if it stopped only because it had taken {@code maxBatches}: there may be more to drain */
    private boolean loop(Deadline deadline, BatchListener onBatch, Tally tally, long maxBatches) {
        // Each loop may run on its own thread: the outside calls it makes before its first statement are bounded by
        // the invocation's deadline there too.
        try (Deadline.Scope ignored = deadline.enter()) {
            return loopWithin(deadline, onBatch, tally, maxBatches);
        }
    }

    private boolean loopWithin(Deadline deadline, BatchListener onBatch, Tally tally, long maxBatches) {
        for (long taken = 0; tally.stopAll() == null; taken++) {
            if (taken == maxBatches) {
                return true;
            }
            if (deadline.invocationRemainingMillis() < safetyMargin.toMillis()) {
                tally.timeShort();
                return false;
            }
            String refused = refusingWork.get();
            if (refused != null) {
                tally.stopAll(refused);
                return false;
            }
            List<Message> messages;
            long receivedAt = System.currentTimeMillis();
            try {
                messages = receive(0);
                if (messages.isEmpty()) {
                    messages = receive(CONFIRM_EMPTY_WAIT_SECONDS);
                }
            } catch (SdkException e) {
                LOG.error("receive from the queue failed: {}", e.getMessage());
                tally.stopAll("queue unavailable");
                return false;
            }
            if (messages.isEmpty()) {
                return false; // this loop found the queue empty; the others stop when they do
            }
            long batchStarted = System.nanoTime();
            List<InboundMessage> inbound = toInbound(messages, receivedAt);
            BatchOutcome outcome = pipeline.process(inbound, fifo, deadline);
            int backedOff = outcome.anyDependencyFailure() ? backoff.apply(queueUrl, inbound, outcome) : 0;
            long deleteFailed = deleteSucceeded(messages, outcome);
            tally.add(messages.size(), outcome, deleteFailed);
            onBatch.batch(outcome, (System.nanoTime() - batchStarted) / 1_000_000, backedOff);
            // Draining on while a dependency is down would only cycle every message through its receives.
            outcome.dependencyUnavailable().ifPresent(reason -> tally.stopAll(reason.label()));
        }
        return false;
    }

    /** Told of each batch a drain records. */
    @FunctionalInterface
    public interface BatchListener {
        void batch(BatchOutcome outcome, long elapsedMillis, int backedOff);
    }

    private List<Message> receive(int waitSeconds) {
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(MAX_MESSAGES).waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID,
                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
    }

    private static List<InboundMessage> toInbound(List<Message> messages, long receivedAt) {
        List<InboundMessage> inbound = new ArrayList<>(messages.size());
        for (Message m : messages) {
            inbound.add(new InboundMessage(m.messageId(), m.body(),
                    m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID), m.receiptHandle(),
                    InboundMessage.receiveCount(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)),
                    receivedAt));
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
