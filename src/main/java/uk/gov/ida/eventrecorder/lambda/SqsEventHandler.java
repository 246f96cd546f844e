package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.InboundMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQS event-source handler. Returns exactly the failed messages in {@code batchItemFailures}, which Lambda
 * honours only when the event source mapping has {@code ReportBatchItemFailures}
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html">partial batch responses</a>);
 * the SAM template sets it.
 */
public final class SqsEventHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqsEventHandler.class);
    /** Lambda's largest {@code MaximumBatchingWindowInSeconds}, 300 s. */
    private static final long MAX_BATCHING_WINDOW_MILLIS = 300_000;
    private final RecorderContainer container;
    private final MetricsLog metrics;

    public SqsEventHandler() {
        this(RecorderConfig.fromSystemEnvironment());
    }

    public SqsEventHandler(Map<String, String> environment) {
        this(RecorderConfig.fromEnvironment(environment));
    }

    private SqsEventHandler(RecorderConfig config) {
        // One connection per invocation the process runs at once: one, unless Lambda runs several in this
        // execution environment (Managed Instances), when a single connection would serialize them.
        this.container = new RecorderContainer(config, config.invocationsAtOnce());
        if (config.warmAtInit()) {
            container.warmUp();
        }
        this.metrics = container.metrics(MetricsLog.EVENT_SOURCE_FUNCTION);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try (RequestLogContext ignored = RequestLogContext.of(context)) {
            long started = System.nanoTime();
            // The event source may hold received messages for its batching window before invoking: the receive
            // can be that long ago (the template allows up to 300 s).
            long earliestReceive = System.currentTimeMillis() - MAX_BATCHING_WINDOW_MILLIS;
            List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
            List<InboundMessage> messages = new ArrayList<>(records.size());
            boolean fifo = false;
            String queueArn = null;
            for (SQSEvent.SQSMessage record : records) {
                Map<String, String> attributes = record.getAttributes() == null ? Map.of() : record.getAttributes();
                messages.add(new InboundMessage(record.getMessageId(), record.getBody(), attributes.get("MessageGroupId"),
                        record.getReceiptHandle(), InboundMessage.receiveCount(attributes.get("ApproximateReceiveCount")),
                        earliestReceive));
                queueArn = record.getEventSourceArn();
                fifo |= queueArn != null && queueArn.endsWith(".fifo");
            }
            BatchOutcome outcome;
            Deadline deadline = Invocation.deadline(context);
            try (Deadline.Scope within = deadline.enter()) {
                outcome = container.pipeline().process(messages, fifo, deadline);
            } catch (RuntimeException e) {
                throw ReportedFailure.withoutContent(e);
            }
            int backedOff = outcome.anyDependencyFailure() && queueArn != null ? backOff(queueArn, messages, outcome) : 0;
            metrics.batch(outcome, (System.nanoTime() - started) / 1_000_000, backedOff,
                    container.databaseCircuitOpen());
            List<SQSBatchResponse.BatchItemFailure> failures = outcome.failures().stream()
                    .map(f -> SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(f.messageId()).build())
                    .toList();
            return SQSBatchResponse.builder().withBatchItemFailures(new ArrayList<>(failures)).build();
        }
    }

    private int backOff(String queueArn, List<InboundMessage> messages, BatchOutcome outcome) {
        try {
            return container.backoff().apply(container.queueUrl(queueArn), messages, outcome);
        } catch (RuntimeException e) {
            // The messages still come back after the queue's own visibility timeout: nothing is lost.
            LOG.warn("outage back-off not set: the queue URL of {} could not be found ({})", queueArn,
                    e.getClass().getSimpleName());
            return 0;
        }
    }

    /** The per-container wiring, for the SnapStart hook tests in this package. */
    RecorderContainer container() {
        return container;
    }

    /** Releases the pool and clients; Lambda never calls it, local runs and tests do. */
    @Override
    public void close() {
        container.close();
    }
}
