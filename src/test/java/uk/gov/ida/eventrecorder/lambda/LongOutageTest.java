package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.testing.CuttableProxy;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database outage longer than {@code maxReceiveCount × visibility timeout}, scaled from hours to seconds, against
 * ElasticMQ's real redrive policy: the outage back-off keeps every event out of the dead-letter queue, poison sent
 * during the outage still reaches it on its normal schedule, and the circuit keeps invocations short. The outage is
 * a TCP proxy in front of PostgreSQL that the test cuts (a real server cannot be made unreachable on demand).
 */
class LongOutageTest {
    /** Base64 of 32 bytes that decrypt to no event: fails for its own content, on every receive. */
    private static final String POISON = "bm90IGFuIGV2ZW50IGF0IGFsbCwganVzdCBwb2lzb24=";
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
    void anOutageLongerThanMaxReceiveCountTimesVisibilitySendsOnlyPoisonToTheDeadLetterQueue() throws Exception {
        // Normal schedule: 4 receives, 1 s apart (plus each poll's own time), then the DLQ: about 5 s. The outage
        // lasts 8 s. With a back-off of 2, 4, 8 s an event's fourth receive comes 14 s in, after the database is back.
        TestQueue queue = TestQueue.standard(sqs, 4, 1);
        Map<String, String> env = fixture.environmentThrough(proxy);
        env.put("OUTAGE_RETRY_BASE_SECONDS", "2");
        env.put("OUTAGE_RETRY_MAX_SECONDS", "16");
        env.put("DB_CONNECT_TIMEOUT_MS", "300");
        List<EventBuilder> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            EventBuilder event = i % 2 == 0 ? EventBuilder.billing() : EventBuilder.fraud();
            events.add(event);
        }
        List<Long> invocationMillis = new ArrayList<>();
        long outageStarted;
        long poisonInDlqAfter = -1;
        try (SqsEventHandler handler = new SqsEventHandler(env)) {
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            events.forEach(e -> queue.send(fixture.encrypt(e)));
            for (int i = 0; i < 3; i++) {
                queue.send(POISON);
            }
            proxy.cut();
            outageStarted = System.nanoTime();

            while (elapsedMillis(outageStarted) < 8_000) {
                long started = System.nanoTime();
                SQSBatchResponse response = mapping.pollOnce();
                if (response != null) {
                    invocationMillis.add(elapsedMillis(started));
                }
                if (poisonInDlqAfter < 0 && queue.deadLettered() == 3) {
                    poisonInDlqAfter = elapsedMillis(outageStarted);
                }
                Thread.sleep(50);
            }
            long statementsDuringOutage = handler.container().builtRepository()
                    .map(EventRepository::statementsExecuted).orElse(0L);
            assertEquals(0, fixture.tables.count("audit.audit_events"));
            assertTrue(queue.deadLettered() >= 1, "poison reaches the DLQ during the outage");
            proxy.restore();
            long restored = System.nanoTime();

            long recordedAfter = -1;
            while (elapsedMillis(restored) < 30_000 && queue.visible() + queue.inFlight() > 0) {
                mapping.pollOnce();
                if (recordedAfter < 0 && fixture.tables.count("audit.audit_events") == events.size()) {
                    recordedAfter = elapsedMillis(restored);
                }
                if (poisonInDlqAfter < 0 && queue.deadLettered() == 3) {
                    poisonInDlqAfter = elapsedMillis(outageStarted);
                }
                Thread.sleep(50);
            }

            List<Long> sorted = invocationMillis.stream().sorted().toList();
            System.out.printf("long outage: %d invocations during an 8 s outage, %d of them reached for the "
                            + "database (circuit probes); invocation ms min %d, median %d, max %d; poison in the DLQ "
                            + "after %d ms; all events recorded %d ms after the database returned%n",
                    sorted.size(), statementsDuringOutage, sorted.get(0), sorted.get(sorted.size() / 2),
                    sorted.get(sorted.size() - 1), poisonInDlqAfter, recordedAfter);
            assertTrue(statementsDuringOutage < sorted.size(), "the circuit spared most invocations a connect "
                    + "attempt: " + statementsDuringOutage + " attempts in " + sorted.size() + " invocations");
        }
        assertEquals(3, queue.deadLettered(), "only the poison is dead-lettered");
        assertEquals(List.of(POISON, POISON, POISON), queue.deadLetterBodies());
        assertEquals(0, queue.visible() + queue.inFlight());
        for (EventBuilder event : events) {
            assertEquals(1, fixture.tables.audit(event.eventId()).size(), "recorded exactly once");
        }
        assertEquals(10, fixture.tables.count("billing.billing_events"));
        assertEquals(10, fixture.tables.count("billing.fraud_events"));
    }

    @Test
    void theDrainTakesNothingOffTheQueueWhileTheCircuitIsOpen() {
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        for (int i = 0; i < 15; i++) {
            queue.send(fixture.encrypt(EventBuilder.otherSession()));
        }
        Map<String, String> env = fixture.environmentThrough(proxy);
        env.put("QUEUE_URL", queue.url());
        env.put("OUTAGE_RETRY_BASE_SECONDS", "30"); // the circuit stays open 30 s: the whole test
        env.put("OUTAGE_RETRY_MAX_SECONDS", "60");
        env.put("DB_CONNECT_TIMEOUT_MS", "300");
        try (QueueDrainHandler handler = new QueueDrainHandler(env)) {
            proxy.cut();

            Map<String, Object> first = handler.handleRequest(Map.of(), LambdaContext.withTimeout(60_000));
            Map<String, Object> second = handler.handleRequest(Map.of(), LambdaContext.withTimeout(60_000));

            assertEquals("database unavailable", first.get("stopReason"));
            assertEquals(10L, first.get("received"));
            assertEquals("database unavailable", second.get("stopReason"));
            assertEquals(0L, second.get("received"), "no receive spent while the circuit is open");
            assertEquals(5, queue.visible(), "the messages not yet received stay visible");
            assertEquals(10, queue.inFlight(), "the failed ones wait out their back-off");
        }
    }

    private static long elapsedMillis(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

}
