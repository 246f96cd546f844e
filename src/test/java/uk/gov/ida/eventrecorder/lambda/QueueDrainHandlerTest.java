package uk.gov.ida.eventrecorder.lambda;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.config.ConfigurationException;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QueueDrainHandlerTest {
    private final RecorderFixture fixture = new RecorderFixture();
    private SqsClient sqs;
    private TestQueue queue;
    private QueueDrainHandler handler;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
        queue = TestQueue.standard(sqs);
        handler = new QueueDrainHandler(environment(queue));
    }

    @AfterEach
    void tearDown() {
        handler.close();
        sqs.close();
    }

    @Test
    void drainsTheQueueRecordingEveryEventAndDeletingOnlyWhatSucceeded() {
        List<EventBuilder> events = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            EventBuilder event = i % 3 == 0 ? EventBuilder.billing() : i % 3 == 1 ? EventBuilder.fraud()
                    : EventBuilder.errorEvent();
            events.add(event);
            queue.send(fixture.encrypt(event));
        }
        queue.send(fixture.encrypt(events.get(0))); // a redelivered duplicate
        queue.send("not an event");

        Map<String, Object> summary = handler.handleRequest(Map.of(), LambdaContext.withTimeout(60_000));

        assertEquals(27L, summary.get("received"));
        assertEquals(25L, summary.get("recorded"));
        assertEquals(1L, summary.get("duplicates"));
        assertEquals(1L, summary.get("failed"));
        assertEquals("empty", summary.get("stopReason"));
        assertEquals(25, fixture.tables.count("audit.audit_events"));
        assertEquals(9, fixture.tables.count("billing.billing_events"));
        assertEquals(8, fixture.tables.count("billing.fraud_events"));
        assertEquals(0, queue.visible());
        assertEquals(1, queue.inFlight(), "only the unreadable message is left, for retry and the DLQ");
    }

    @Test
    void takesNoBatchWhenLessLambdaTimeThanTheSafetyMarginIsLeft() {
        queue.send(fixture.encrypt(EventBuilder.billing()));

        Map<String, Object> summary = handler.handleRequest(Map.of(), LambdaContext.withTimeout(5_000));

        assertEquals("time", summary.get("stopReason"));
        assertEquals(0L, summary.get("received"));
        assertEquals(1, queue.visible());
        assertEquals(0, fixture.tables.count("audit.audit_events"));
    }

    @Test
    void refusesToStartWithoutAQueueUrlAndNamesTheVariable() {
        Map<String, String> env = fixture.environment();
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> new QueueDrainHandler(env));
        assertEquals("QUEUE_URL", e.variable());
    }

    private Map<String, String> environment(TestQueue queue) {
        Map<String, String> env = fixture.environment();
        env.put("QUEUE_URL", queue.url());
        return env;
    }
}
