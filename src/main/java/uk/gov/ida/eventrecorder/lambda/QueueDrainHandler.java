package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.queue.DrainSummary;
import uk.gov.ida.eventrecorder.queue.QueueDrainer;
import uk.gov.ida.eventrecorder.wiring.Lazy;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scheduled handler: drains {@code QUEUE_URL} until it is empty or Lambda time runs short, and returns the
 * summary (received, recorded, duplicates, failed). The input (a scheduled event) is not read.
 */
public final class QueueDrainHandler implements RequestHandler<Map<String, Object>, Map<String, Object>>, AutoCloseable {
    private final RecorderContainer container;
    private final String queueUrl;
    private final MetricsLog metrics;
    private final int loops;
    // The drain's extra receive loops; threads made once per container, on the first drain that needs them.
    private final Lazy<ExecutorService> loopThreads;

    public QueueDrainHandler() {
        this(RecorderConfig.fromSystemEnvironment());
    }

    public QueueDrainHandler(Map<String, String> environment) {
        this(RecorderConfig.fromEnvironment(environment));
    }

    private QueueDrainHandler(RecorderConfig config) {
        this.queueUrl = config.requireQueueUrl();
        this.loops = QueueDrainer.loops(queueUrl, config.drainConcurrency());
        // Each receive loop holds a connection, in each drain the process runs at once.
        this.container = new RecorderContainer(config, loops * config.invocationsAtOnce());
        if (config.warmAtInit()) {
            container.warmUp();
        }
        AtomicInteger threads = new AtomicInteger();
        this.loopThreads = new Lazy<>(() -> Executors.newFixedThreadPool(Math.max(1, (loops - 1) * config.invocationsAtOnce()), r -> {
            Thread t = new Thread(r, "drain-loop-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }));
        this.metrics = container.metrics(MetricsLog.DRAIN_FUNCTION);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        try (RequestLogContext ignored = RequestLogContext.of(context)) {
            QueueDrainer drainer = new QueueDrainer(container.sqs(), container.pipeline(), queueUrl,
                    Invocation.drainMargin(container.config()), container.backoff(), container::refusingWork,
                    loops, loops > 1 ? loopThreads.get() : Runnable::run);
            DrainSummary summary = drainer.drain(Invocation.deadline(context),
                    (outcome, millis, backedOff) -> metrics.batch(outcome, millis, backedOff,
                            container.databaseCircuitOpen()));
            return summary.asMap();
        } catch (RuntimeException e) {
            throw ReportedFailure.withoutContent(e);
        }
    }

    /** The per-container wiring, for the SnapStart hook tests in this package. */
    RecorderContainer container() {
        return container;
    }

    /** Releases the pool and clients; Lambda never calls it, local runs and tests do. */
    @Override
    public void close() {
        loopThreads.ifBuilt(ExecutorService::shutdown);
        container.close();
    }
}
