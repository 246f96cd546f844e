package uk.gov.ida.eventrecorder.queue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.pipeline.EventPipeline;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.SqsWrapper;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import javax.crypto.spec.SecretKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drain's receive loops, on ElasticMQ and PostgreSQL: counted exactly, stopped cleanly, FIFO kept in order. */
class QueueDrainerTest {
    private static final int LOOPS = 4;

    private final RecorderFixture fixture = new RecorderFixture();
    private final ExecutorService threads = Executors.newFixedThreadPool(LOOPS - 1);
    private final Set<String> batchThreads = ConcurrentHashMap.newKeySet();
    private final List<String> recordedInOrder = Collections.synchronizedList(new ArrayList<>());
    private SqsClient sqs;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        sqs.close();
    }

    @Test
    void severalLoopsDrainTheQueueTogetherAndTheSummaryCountsEveryMessageOnce() {
        TestQueue queue = TestQueue.standard(sqs);
        List<EventBuilder> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            EventBuilder event = i % 2 == 0 ? EventBuilder.billing() : EventBuilder.errorEvent();
            events.add(event);
            queue.send(fixture.encrypt(event));
        }
        for (int i = 0; i < 5; i++) {
            queue.send(fixture.encrypt(events.get(i))); // redelivered duplicates
        }
        for (int i = 0; i < 3; i++) {
            queue.send("not an event " + i);
        }

        DrainSummary summary = drainer(queue).drain(() -> 60_000, this::listen);

        assertEquals(208, summary.received());
        assertEquals(200, summary.recorded());
        assertEquals(5, summary.duplicates());
        assertEquals(3, summary.failed());
        assertEquals(0, summary.deleteFailures());
        assertEquals("empty", summary.stopReason());
        assertEquals(200, fixture.tables.count("audit.audit_events"));
        assertEquals(100, fixture.tables.count("billing.billing_events"));
        assertEquals(0, queue.visible());
        assertEquals(3, queue.inFlight(), "only the unreadable messages are left, for retry and the DLQ");
        assertTrue(batchThreads.size() > 1, "batches were recorded on several threads: " + batchThreads);
    }

    @Test
    void whenLambdaTimeRunsOutMidwayEveryMessageIsEitherRecordedAndDeletedOrStillOnTheQueue() {
        TestQueue queue = TestQueue.standard(sqs);
        for (int i = 0; i < 300; i++) {
            queue.send(fixture.encrypt(EventBuilder.errorEvent()));
        }
        // Plenty of time for the first 12 looks at the clock (across all loops), then less than the margin (50 s) but
        // still enough for a batch already taken to be recorded (the test pool's 30 s connect timeout and a statement).
        AtomicInteger looks = new AtomicInteger();

        DrainSummary first = drainer(queue).drain(() -> looks.incrementAndGet() <= 12 ? 60_000 : 45_000, this::listen);

        assertEquals("time", first.stopReason());
        assertTrue(first.recorded() > 0 && first.recorded() < 300, "stopped midway: " + first);
        assertEquals(first.received(), first.recorded(), "every batch taken was finished");
        assertEquals(first.recorded(), fixture.tables.count("audit.audit_events"));
        assertEquals(300 - first.recorded(), queue.visible(), "the rest was never taken off the queue");
        assertEquals(0, queue.inFlight());

        DrainSummary second = drainer(queue).drain(() -> 60_000, this::listen);

        assertEquals(300 - first.recorded(), second.recorded());
        assertEquals(0, second.duplicates());
        assertEquals(300, fixture.tables.count("audit.audit_events"));
        assertEquals(300L, fixture.tables.query("SELECT count(DISTINCT event_id) AS n FROM audit.audit_events")
                .get(0).get("n"), "each once");
    }

    @Test
    void aFifoQueueIsDrainedByOneLoopInTheOrderItsMessagesWereSent() {
        TestQueue queue = TestQueue.fifo(sqs);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            EventBuilder event = EventBuilder.errorEvent();
            sent.add(event.eventId());
            queue.send(fixture.encrypt(event), "group-" + (i % 3));
        }

        DrainSummary summary = drainer(queue).drain(() -> 60_000, this::listen);

        assertEquals(60, summary.recorded());
        assertEquals(1, batchThreads.size(), "one loop: " + batchThreads);
        for (int group = 0; group < 3; group++) {
            int g = group;
            List<String> sentInGroup = new ArrayList<>();
            for (int i = g; i < 60; i += 3) {
                sentInGroup.add(sent.get(i));
            }
            List<String> recordedInGroup = recordedInOrder.stream().filter(sentInGroup::contains).toList();
            assertEquals(sentInGroup, recordedInGroup, "group " + g + " in the order sent");
        }
    }

    @Test
    void anEmptyShortPollIsConfirmedByALongPollBeforeTheDrainCallsTheQueueEmpty() {
        TestQueue queue = TestQueue.standard(sqs);
        for (int i = 0; i < 25; i++) {
            queue.send(fixture.encrypt(EventBuilder.otherSession()));
        }
        // SQS's short poll samples its servers and may answer empty while messages wait: here, always.
        SqsWrapper sampling = new SqsWrapper(sqs).blindShortPolls();

        DrainSummary summary = drainer(queue, sampling).drain(() -> 60_000, this::listen);

        assertEquals(25, summary.recorded(), summary.toString());
        assertEquals("empty", summary.stopReason());
        assertTrue(sampling.emptyShortPolls() >= 3, "the short polls did come back empty");
        assertEquals(0, queue.visible() + queue.inFlight());
    }

    @Test
    void aRedriveDoesNotStopAtAnEmptyShortPollAndCountsWhatItDeleted() {
        TestQueue queue = TestQueue.standard(sqs);
        for (int i = 0; i < 23; i++) {
            queue.send(fixture.encrypt(EventBuilder.otherSession()));
        }
        queue.deadLetterAll();

        QueueRedrive.Result result = new QueueRedrive(new SqsWrapper(sqs).blindShortPolls(), queue.deadLetterUrl(),
                queue.url(), arn(queue.url())).run();

        assertEquals(new QueueRedrive.Result(23, 0, 0, 0), result);
        assertEquals(0, queue.deadLettered());
        assertEquals(23, queue.visible());
    }

    @Test
    void aRedriveCountsOnlyTheMessagesTheSourceQueueReallyDeleted() {
        TestQueue queue = TestQueue.standard(sqs);
        for (int i = 0; i < 12; i++) {
            queue.send(fixture.encrypt(EventBuilder.otherSession()));
        }
        queue.deadLetterAll();

        QueueRedrive.Result result = new QueueRedrive(new SqsWrapper(sqs).refuseDeletes(2), queue.deadLetterUrl(),
                queue.url(), arn(queue.url())).run();

        assertEquals(new QueueRedrive.Result(10, 0, 2, 0), result, "two were sent but are still in the source");
        assertEquals(2, queue.deadLettered() + inFlight(queue.deadLetterUrl()));
        assertEquals(12, queue.visible(), "sent; the recorder records the second copy as a duplicate");
    }

    @Test
    void aRedriveMovesOnlyWhatSqsDeadLetteredFromTheDestinationNeverABodySentToTheDeadLetterQueue() {
        // Given a message that failed its receives, and a forged body sent to the dead-letter queue directly (by
        // someone the producers-only policy of the event queue would refuse)
        TestQueue queue = TestQueue.standard(sqs);
        String real = fixture.encrypt(EventBuilder.otherSession());
        queue.send(real);
        queue.deadLetterAll();
        queue.sendToDeadLetterQueue("forged", null);

        // When the dead-letter queue is redriven into the event queue
        QueueRedrive.Result result = new QueueRedrive(sqs, queue.deadLetterUrl(), queue.url(), arn(queue.url())).run();

        // Then only the dead-lettered message moved; the forged one stays where it was sent, counted
        assertEquals(new QueueRedrive.Result(1, 0, 0, 1), result);
        List<String> moved = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)).messages()
                .stream().map(software.amazon.awssdk.services.sqs.model.Message::body).toList();
        assertEquals(List.of(real), moved);
        assertEquals(1, queue.deadLettered() + inFlight(queue.deadLetterUrl()));
    }

    private String arn(String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.QUEUE_ARN)).attributes()
                .get(software.amazon.awssdk.services.sqs.model.QueueAttributeName.QUEUE_ARN);
    }

    private int inFlight(String url) {
        var name = software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE;
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(name)).attributes().get(name));
    }

    @Test
    void theOutageBackOffNeverAsksForAVisibilityEndingMoreThanTwelveHoursAfterTheReceive() {
        TestQueue queue = TestQueue.standard(sqs);
        queue.send("x");
        var received = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(1)).messages().get(0);
        SqsWrapper recording = new SqsWrapper(sqs);
        OutageBackoff backoff = new OutageBackoff(() -> recording, Duration.ofSeconds(360), Duration.ofSeconds(43_200));
        long threeHoursAgo = System.currentTimeMillis() - Duration.ofHours(3).toMillis();
        var message = new uk.gov.ida.eventrecorder.pipeline.InboundMessage(received.messageId(), received.body(), null,
                received.receiptHandle(), 8, threeHoursAgo);
        var failed = new uk.gov.ida.eventrecorder.pipeline.BatchOutcome(List.of(MessageOutcome.failed(
                received.messageId(), null, uk.gov.ida.eventrecorder.event.RejectionReason.DATABASE_UNAVAILABLE, "")));

        assertEquals(1, backoff.apply(queue.url(), List.of(message), failed));

        // 8th receive: 43,200 s by the doubling, but 3 hours have passed since the receive.
        int asked = recording.visibilityTimeoutsAsked().get(0);
        assertTrue(asked <= 43_200 - 3 * 3_600 && asked >= 43_200 - 3 * 3_600 - 15, "asked for " + asked + " s");
    }

    private QueueDrainer drainer(TestQueue queue) {
        return drainer(queue, sqs);
    }

    private QueueDrainer drainer(TestQueue queue, SqsClient sqs) {
        EventPipeline pipeline = new EventPipeline(new EventDecryptor(new SecretKeySpec(fixture.dataKey, "AES")),
                new EventParser(), fixture.database.repository(), false);
        return new QueueDrainer(sqs, pipeline, queue.url(), Duration.ofSeconds(50),
                new OutageBackoff(() -> sqs, Duration.ofSeconds(1), Duration.ofSeconds(8)), () -> null, LOOPS, threads);
    }

    private void listen(uk.gov.ida.eventrecorder.pipeline.BatchOutcome outcome, long millis, int backedOff) {
        batchThreads.add(Thread.currentThread().getName());
        for (MessageOutcome o : outcome.outcomes()) {
            if (o.eventId() != null && !o.failed()) {
                recordedInOrder.add(o.eventId());
            }
        }
    }
}
