package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.OutsideCall;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every outside call before an invocation's first statement (KMS for the data keys or the password, S3 for a key
 * object or the CA bundle) is bounded by the time the invocation has left, less the reserve for the back-off's SQS
 * calls, not only by its own fixed bound (KMS 6 s, S3 60 s, as long as a whole invocation). A slow KMS is played by the
 * KMS double, which holds each answer (a real KMS cannot be made slow on demand).
 */
class OutsideCallBoundsTest {
    private final RecorderFixture fixture = new RecorderFixture();
    private SqsClient sqs;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
    }

    @AfterEach
    void tearDown() {
        fixture.servers.kms().stall(0);
        sqs.close();
    }

    @Test
    void aSlowKmsOnTheFirstBatchIsAnsweredBeforeTheReserveFailedAsKeyUnavailableAndBackedOff() throws Exception {
        // Given a fresh container whose first batch arrives with 10 s left: 3 s for work, 7 s kept for the back-off
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        List<EventBuilder> events = List.of(EventBuilder.billing(), EventBuilder.fraud());
        events.forEach(e -> queue.send(fixture.encrypt(e)));
        long invocationMillis = 10_000;
        try (SqsEventHandler handler = new SqsEventHandler(fixture.environment())) {
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            // ...and KMS answering the data key's Decrypt only after 5 s (inside its own 6 s bound)
            fixture.servers.kms().stall(5_000);
            long deadline = System.currentTimeMillis() + invocationMillis;

            long started = System.nanoTime();
            SQSBatchResponse response = mapping.pollOnce(new LambdaContext(() -> deadline - System.currentTimeMillis()));
            long answeredMillis = (System.nanoTime() - started) / 1_000_000;

            // Then the invocation answers when its working time is up, with the reserve left for the back-off
            System.out.printf("slow KMS on a first batch: answered after %,d ms of %,d ms%n", answeredMillis,
                    invocationMillis);
            assertTrue(answeredMillis < invocationMillis - Invocation.RESERVE.toMillis() + 1_500,
                    "answered within the working time, leaving the reserve: " + answeredMillis + " ms");
            assertEquals(2, response.getBatchItemFailures().size(), "every message failed, none lost");
            assertEquals(2, queue.inFlight());
            fixture.servers.kms().stall(0);
            Thread.sleep(1_300); // the outage back-off (1 s in the fixture), not the queue's 30 s
            assertEquals(2, queue.visible(), "backed off as a dependency failure");
        }
    }

    @Test
    void aCallsBoundIsItsOwnOrTheTimeLeftBeforeTheReserveWhicheverIsShorter() {
        assertEquals(OutsideCall.KMS, Deadline.current().bound(OutsideCall.KMS), "outside an invocation: its own");
        try (Deadline.Scope ignored = Deadline.of(() -> 9_500, 7_000).enter()) {
            assertEquals(Duration.ofMillis(2_500), Deadline.current().bound(OutsideCall.S3));
            assertEquals(Duration.ofMillis(2_500), Deadline.current().bound(OutsideCall.KMS));
        }
        try (Deadline.Scope ignored = Deadline.of(() -> 60_000, 7_000).enter()) {
            assertEquals(OutsideCall.KMS, Deadline.current().bound(OutsideCall.KMS));
        }
        try (Deadline.Scope ignored = Deadline.of(() -> 5_000, 7_000).enter()) {
            assertEquals(Duration.ofMillis(1), Deadline.current().bound(OutsideCall.KMS), "no time left: fail at once");
        }
        assertEquals(Deadline.NONE, Deadline.current(), "the scope ends with the invocation");
    }
}
