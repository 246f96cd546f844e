package uk.gov.ida.eventrecorder.testing;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Does what Lambda's SQS event source mapping does with {@code ReportBatchItemFailures}: receives up to ten
 * messages, hands them to the handler as an {@code SQSEvent}, deletes those not named in {@code batchItemFailures}
 * and leaves the rest in flight until their visibility timeout ends. If the handler throws, nothing is deleted.
 */
public final class EventSourceMapping {
    private final SqsClient sqs;
    private final TestQueue queue;
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
    private final List<String> inFlightReceipts = new ArrayList<>();

    public EventSourceMapping(SqsClient sqs, TestQueue queue, RequestHandler<SQSEvent, SQSBatchResponse> handler) {
        this.sqs = sqs;
        this.queue = queue;
        this.handler = handler;
    }

    /** @return the handler's response, or {@code null} when the queue had nothing visible */
    public SQSBatchResponse pollOnce() {
        return pollOnce(LambdaContext.withTimeout(60_000));
    }

    /** As {@link #pollOnce()}, invoking the handler with {@code context} (its clock). */
    public SQSBatchResponse pollOnce(LambdaContext context) {
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                .waitTimeSeconds(0).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        if (messages.isEmpty()) {
            return null;
        }
        SQSBatchResponse response = handler.handleRequest(toEvent(messages, queue.arn()), context);
        Set<String> failed = response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet());
        List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
        for (Message m : messages) {
            if (failed.contains(m.messageId())) {
                inFlightReceipts.add(m.receiptHandle());
            } else {
                deletes.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(deletes.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
        }
        if (!deletes.isEmpty()) {
            sqs.deleteMessageBatch(r -> r.queueUrl(queue.url()).entries(deletes));
        }
        return response;
    }

    /**
     * Makes the failed messages visible again now, as the end of their visibility timeout would, without a receive
     * (which would count towards {@code maxReceiveCount}).
     */
    public void expireVisibilityOfFailed() {
        for (String receipt : inFlightReceipts) {
            sqs.changeMessageVisibility(r -> r.queueUrl(queue.url()).receiptHandle(receipt).visibilityTimeout(0));
        }
        inFlightReceipts.clear();
    }

    /** Polls until a receive finds nothing visible. */
    public List<SQSBatchResponse> pollUntilEmpty() {
        List<SQSBatchResponse> responses = new ArrayList<>();
        SQSBatchResponse response;
        while ((response = pollOnce()) != null) {
            responses.add(response);
        }
        return responses;
    }

    /** The event Lambda builds from received messages (field names as in Lambda's SQS event JSON). */
    public static SQSEvent toEvent(List<Message> messages, String queueArn) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : messages) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(m.messageId());
            record.setReceiptHandle(m.receiptHandle());
            record.setBody(m.body());
            record.setMd5OfBody(m.md5OfBody());
            record.setEventSource("aws:sqs");
            record.setEventSourceArn(queueArn);
            record.setAwsRegion(TestServers.REGION);
            Map<String, String> attributes = new HashMap<>();
            m.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
            record.setAttributes(attributes);
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }
}
