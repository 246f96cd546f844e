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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults a real server cannot produce on demand, injected at the network edge (a TCP proxy in front of PostgreSQL
 * that the test cuts) or at the KMS double (an outage switch): nothing is lost and nothing is recorded twice.
 */
class FaultToleranceTest {
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
        fixture.servers.kms().outage(false);
        proxy.close();
        sqs.close();
    }

    @Test
    void aDatabaseOutageMidDrainLosesNothingAndTheNextRunRecordsTheRestExactlyOnce() throws Exception {
        TestQueue queue = TestQueue.standard(sqs, 5, 1);
        List<EventBuilder> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            EventBuilder event = i % 2 == 0 ? EventBuilder.billing() : EventBuilder.otherSession();
            events.add(event);
            queue.send(fixture.encrypt(event));
        }
        Map<String, String> env = fixture.environmentThrough(proxy);
        env.put("QUEUE_URL", queue.url());
        // One receive loop, so that the cut falls between two known batches (QueueDrainerTest covers several loops).
        env.put("DRAIN_CONCURRENCY", "1");
        // The drain asks for the remaining time before each batch (and its statement): cut the database once the
        // first batch is in.
        LambdaContext cutsAfterFirstBatch = new LambdaContext(() -> {
            if (fixture.tables.count("audit.audit_events") == 10) {
                proxy.cut();
            }
            return 60_000;
        });

        Map<String, Object> first;
        try (QueueDrainHandler handler = new QueueDrainHandler(env)) {
            first = handler.handleRequest(Map.of(), cutsAfterFirstBatch);
            assertEquals("database unavailable", first.get("stopReason"));
            assertEquals(10L, first.get("recorded"));
            assertEquals(10L, first.get("failed"));
            assertEquals(10, fixture.tables.count("audit.audit_events"));
            assertEquals(20, queue.visible() + queue.inFlight(), "nothing that failed was deleted");

            proxy.restore();
            Thread.sleep(1_200); // the failed batch's visibility timeout (1 s) ends
            Map<String, Object> second = handler.handleRequest(Map.of(), LambdaContext.withTimeout(60_000));
            assertEquals("empty", second.get("stopReason"));
            assertEquals(20L, second.get("recorded"), "the same pool recovers once the database is back");
        }

        assertEquals(30, fixture.tables.count("audit.audit_events"));
        assertEquals(15, fixture.tables.count("billing.billing_events"));
        for (EventBuilder event : events) {
            assertEquals(1, fixture.tables.audit(event.eventId()).size());
        }
        assertEquals(0, queue.visible() + queue.inFlight());
    }

    @Test
    void theEventSourceHandlerReportsEveryMessageFailedWhileTheDatabaseIsDownAndRecordsThemAfterwards()
            throws InterruptedException {
        TestQueue queue = TestQueue.standard(sqs);
        List<EventBuilder> events = List.of(EventBuilder.billing(), EventBuilder.fraud(), EventBuilder.errorEvent());
        events.forEach(e -> queue.send(fixture.encrypt(e)));
        try (SqsEventHandler handler = new SqsEventHandler(fixture.environmentThrough(proxy))) {
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            proxy.cut();

            long t0 = System.nanoTime();
            SQSBatchResponse down = mapping.pollOnce();
            long firstMillis = (System.nanoTime() - t0) / 1_000_000;

            assertEquals(3, down.getBatchItemFailures().size());
            assertEquals(0, fixture.tables.count("audit.audit_events"));
            assertEquals(3, queue.inFlight());

            proxy.restore();
            Thread.sleep(1_100); // the database circuit's open period (OUTAGE_RETRY_BASE_SECONDS=1) ends
            mapping.expireVisibilityOfFailed();
            assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());
        }
        assertEquals(3, fixture.tables.count("audit.audit_events"));
        assertEquals(0, queue.visible() + queue.inFlight());
    }

    @Test
    void aConnectionThatDiedWhileTheContainerWasFrozenIsReplacedWithoutFailingTheBatch() {
        TestQueue queue = TestQueue.standard(sqs);
        try (SqsEventHandler handler = new SqsEventHandler(fixture.environmentThrough(proxy))) {
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            queue.send(fixture.encrypt(EventBuilder.billing()));
            assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());

            proxy.cut();     // the pooled connection dies while "frozen"...
            proxy.restore(); // ...and the database is reachable again when the next event arrives
            EventBuilder next = EventBuilder.billing();
            queue.send(fixture.encrypt(next));

            assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());
            assertEquals(1, fixture.tables.audit(next.eventId()).size());
        }
    }

    @Test
    void aKmsOutageAtColdStartFailsTheBatchAsKeyUnavailableBacksItOffAndFailsFastUntilKmsIsTriedAgain() {
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        List<EventBuilder> events = List.of(EventBuilder.fraud(), EventBuilder.billing(), EventBuilder.errorEvent());
        events.forEach(e -> queue.send(fixture.encrypt(e)));
        Map<String, String> env = fixture.environment();
        env.put("OUTAGE_RETRY_BASE_SECONDS", "2"); // the back-off, and the key circuit's open period
        try (SqsEventHandler handler = new SqsEventHandler(env)) {
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            fixture.servers.kms().outage(true);
            int callsBefore = fixture.servers.kms().requests();

            long t0 = System.nanoTime();
            SQSBatchResponse down = mapping.pollOnce();
            long firstMillis = (System.nanoTime() - t0) / 1_000_000;

            assertEquals(3, down.getBatchItemFailures().size(), "every message failed, none thrown away");
            assertEquals(3, queue.inFlight(), "hidden for their back-off, not the queue's 30 s");
            // A second batch in the open period fails at once, without asking KMS.
            queue.send(fixture.encrypt(EventBuilder.otherSession()));
            int callsAfterFirst = fixture.servers.kms().requests();
            long t1 = System.nanoTime();
            assertEquals(1, mapping.pollOnce().getBatchItemFailures().size());
            long openMillis = (System.nanoTime() - t1) / 1_000_000;
            assertEquals(callsAfterFirst, fixture.servers.kms().requests(), "the key circuit is open: no KMS call");
            System.out.printf("KMS outage: the first batch failed as 'key unavailable' in %,d ms after %d KMS requests "
                    + "(the SDK's retries); the next, circuit open, in %,d ms with none%n", firstMillis,
                    callsAfterFirst - callsBefore, openMillis);
            assertTrue(callsAfterFirst > callsBefore, "the first batch did ask KMS");
            assertEquals(0, fixture.tables.count("audit.audit_events"));

            // The back-off (2 s on a first receive) ends; KMS is back: every message is recorded, none dead-lettered.
            fixture.servers.kms().outage(false);
            Thread.sleep(2_200);
            assertEquals(4, queue.visible(), "back from their back-off, long before the queue's 30 s");
            for (SQSBatchResponse response : mapping.pollUntilEmpty()) {
                assertEquals(List.of(), response.getBatchItemFailures());
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(4, fixture.tables.count("audit.audit_events"));
        assertEquals(0, queue.visible() + queue.inFlight());
    }

}
