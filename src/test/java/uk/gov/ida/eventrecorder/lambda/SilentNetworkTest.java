package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.testing.CuttableProxy;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A network path to the database that goes silent mid-life (a failover that leaves a half-open socket): no reset, no
 * answer, so only a timeout ends a wait, and the statement timeout cannot help (its cancel request travels the same
 * dead path). Injected at the network edge: a proxy in front of PostgreSQL that stops forwarding bytes, since a real
 * server cannot be made to go silent on demand. The invocation must answer before its own deadline, which is shorter
 * than every fixed driver timeout (statement 20 s, socket 30 s), with the batch failed and backed off.
 */
class SilentNetworkTest {
    /** The invocation's time: Lambda would kill it after this. Shorter than any fixed timeout of the driver. */
    private static final long INVOCATION_MILLIS = 12_000;
    private final RecorderFixture fixture = new RecorderFixture();
    private SqsClient sqs;
    private CuttableProxy proxy;

    @BeforeEach
    void setUp() throws Exception {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
        proxy = new CuttableProxy(fixture.database.settings().host(), fixture.database.settings().port());
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.close();
        sqs.close();
    }

    @Test
    void anEventSourceBatchMeetingASilentDatabaseIsAnsweredBeforeTheDeadlineFailedAndBackedOff() throws Exception {
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        Map<String, String> env = fixture.environmentThrough(proxy);
        try (SqsEventHandler handler = new SqsEventHandler(env)) {
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            queue.send(fixture.encrypt(EventBuilder.billing()));
            assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures(), "a first batch warms the connection");

            List<EventBuilder> events = List.of(EventBuilder.billing(), EventBuilder.fraud(), EventBuilder.errorEvent());
            events.forEach(e -> queue.send(fixture.encrypt(e)));
            // The path goes silent at the invocation's first look at its clock: the pooled connection, used a moment
            // ago, is lent without a check and the statement is sent into the silence.
            long deadline = System.currentTimeMillis() + INVOCATION_MILLIS;
            AtomicBoolean frozen = new AtomicBoolean();
            LambdaContext context = new LambdaContext(() -> {
                if (frozen.compareAndSet(false, true)) {
                    proxy.freeze();
                }
                return deadline - System.currentTimeMillis();
            });

            long started = System.nanoTime();
            SQSBatchResponse response = mapping.pollOnce(context);
            long answeredMillis = (System.nanoTime() - started) / 1_000_000;

            System.out.printf("silent database: the event-source invocation answered after %,d ms of its %,d ms "
                    + "(%d statements sent)%n", answeredMillis, INVOCATION_MILLIS,
                    handler.container().builtRepository().orElseThrow().statementsExecuted());
            assertTrue(answeredMillis < INVOCATION_MILLIS - Invocation.RESERVE.toMillis() + 1_500,
                    "answered within the recording deadline, leaving the reserve: " + answeredMillis + " ms");
            assertEquals(3, response.getBatchItemFailures().size(), "every message failed, none lost");
            assertEquals(3, queue.inFlight());

            // Backed off (OUTAGE_RETRY_BASE_SECONDS=1 in the fixture), not left for the queue's 30 s.
            proxy.restore();
            Thread.sleep(1_300);
            assertEquals(3, queue.visible(), "back after the outage back-off");
            Thread.sleep(1_000); // the circuit's open period (1 s) has ended
            for (SQSBatchResponse again : mapping.pollUntilEmpty()) {
                assertEquals(List.of(), again.getBatchItemFailures());
            }
            for (EventBuilder event : events) {
                assertEquals(1, fixture.tables.audit(event.eventId()).size());
            }
        }
    }

    @Test
    void aDrainMeetingASilentDatabaseMidRunStopsBeforeTheDeadlineAndTheNextRunRecordsTheRestOnce() throws Exception {
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        for (int i = 0; i < 40; i++) {
            queue.send(fixture.encrypt(i % 2 == 0 ? EventBuilder.billing() : EventBuilder.otherSession()));
        }
        Map<String, String> env = fixture.environmentThrough(proxy);
        env.put("QUEUE_URL", queue.url());
        env.put("DRAIN_CONCURRENCY", "1");
        env.put("DRAIN_SAFETY_MARGIN_MS", "1000"); // raised by the recorder to what a batch needs (10 s here)
        long deadline = System.currentTimeMillis() + INVOCATION_MILLIS;
        // Silent once the first batch is in: the next statement goes out on the connection just used.
        LambdaContext context = new LambdaContext(() -> {
            if (fixture.tables.count("audit.audit_events") >= 10) {
                proxy.freeze();
            }
            return deadline - System.currentTimeMillis();
        });
        try (QueueDrainHandler handler = new QueueDrainHandler(env)) {
            long started = System.nanoTime();
            Map<String, Object> first = handler.handleRequest(Map.of(), context);
            long answeredMillis = (System.nanoTime() - started) / 1_000_000;

            System.out.printf("silent database: the drain answered after %,d ms of its %,d ms: %s%n", answeredMillis,
                    INVOCATION_MILLIS, first);
            assertTrue(System.currentTimeMillis() < deadline - 1_000, "answered with time to spare");
            assertEquals("database unavailable", first.get("stopReason"));
            assertEquals(10L, first.get("recorded"));
            assertEquals(10L, first.get("failed"));

            proxy.restore();
            Thread.sleep(2_300); // the failed batch's back-off (1 s) and the circuit's open period (1 s) end
            Map<String, Object> second = handler.handleRequest(Map.of(), LambdaContext.withTimeout(60_000));
            // The statement sent into the silence may still reach the server when the path recovers, and commit
            // although its answer was lost: those events come back as duplicates. Either way, each is recorded once.
            assertEquals(30L, (Long) second.get("recorded") + (Long) second.get("duplicates"), second.toString());
            assertEquals(0L, second.get("failed"));
        }
        assertEquals(40, fixture.tables.count("audit.audit_events"));
        assertEquals(40L, fixture.tables.query("SELECT count(DISTINCT event_id) AS n FROM audit.audit_events")
                .get(0).get("n"));
        assertEquals(0, queue.visible() + queue.inFlight());
    }
}
