package uk.gov.ida.eventrecorder.testing;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thin wrapper around the real SDK client of ElasticMQ, for behaviours of SQS itself that a local server does not
 * show on demand: a short poll ({@code WaitTimeSeconds=0}) asks only a sample of SQS's servers and may come back empty
 * while the queue holds messages. {@link #blindShortPolls()} makes every short poll come back empty, the worst case;
 * long polls reach the real server. It also records the visibility timeouts asked for.
 */
public final class SqsWrapper implements SqsClient {
    private final SqsClient real;
    private volatile boolean blindShortPolls;
    private final AtomicInteger emptyShortPolls = new AtomicInteger();
    private final List<Integer> visibilityTimeoutsAsked = new CopyOnWriteArrayList<>();
    private final AtomicInteger deletesToRefuse = new AtomicInteger();

    public SqsWrapper(SqsClient real) {
        this.real = real;
    }

    public SqsWrapper blindShortPolls() {
        blindShortPolls = true;
        return this;
    }

    /** The next {@code n} delete entries are answered as failed (SQS's partial batch failure), not deleted. */
    public SqsWrapper refuseDeletes(int n) {
        deletesToRefuse.set(n);
        return this;
    }

    public int emptyShortPolls() {
        return emptyShortPolls.get();
    }

    public List<Integer> visibilityTimeoutsAsked() {
        return visibilityTimeoutsAsked;
    }

    @Override
    public ReceiveMessageResponse receiveMessage(ReceiveMessageRequest request) {
        if (blindShortPolls && (request.waitTimeSeconds() == null || request.waitTimeSeconds() == 0)) {
            emptyShortPolls.incrementAndGet();
            return ReceiveMessageResponse.builder().messages(List.of()).build();
        }
        return real.receiveMessage(request);
    }

    @Override
    public DeleteMessageBatchResponse deleteMessageBatch(DeleteMessageBatchRequest request) {
        List<DeleteMessageBatchRequestEntry> kept = new ArrayList<>();
        List<BatchResultErrorEntry> refused = new ArrayList<>();
        for (DeleteMessageBatchRequestEntry entry : request.entries()) {
            if (deletesToRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                refused.add(BatchResultErrorEntry.builder().id(entry.id()).code("InternalError").senderFault(false)
                        .message("refused by the test").build());
            } else {
                kept.add(entry);
            }
        }
        DeleteMessageBatchResponse deleted = kept.isEmpty() ? DeleteMessageBatchResponse.builder().build()
                : real.deleteMessageBatch(request.toBuilder().entries(kept).build());
        List<BatchResultErrorEntry> failed = new ArrayList<>(deleted.failed());
        failed.addAll(refused);
        return deleted.toBuilder().failed(failed).build();
    }

    @Override
    public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
        return real.sendMessageBatch(request);
    }

    @Override
    public ChangeMessageVisibilityBatchResponse changeMessageVisibilityBatch(ChangeMessageVisibilityBatchRequest request) {
        request.entries().forEach(e -> visibilityTimeoutsAsked.add(e.visibilityTimeout()));
        return real.changeMessageVisibilityBatch(request);
    }

    @Override
    public String serviceName() {
        return real.serviceName();
    }

    @Override
    public void close() {
        // the real client belongs to the caller
    }
}
