package uk.gov.ida.eventrecorder.lambda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.crypto.SecretUnavailableException;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeySourcesAndLogsTest {
    private final RecorderFixture fixture = new RecorderFixture(24);

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
    }

    @Test
    void readsTheKmsEncryptedDataKeyFromAnS3Object() {
        try (S3Client s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket("event-recorder-keys"));
            s3.putObject(r -> r.bucket("event-recorder-keys").key("keys/event-key"),
                    RequestBody.fromString(fixture.servers.kms().encryptToBase64(fixture.dataKey)));
        }
        Map<String, String> env = fixture.environment();
        env.remove("ENCRYPTION_KEY");
        env.put("DECRYPTION_KEY_BUCKET_NAME", "event-recorder-keys");
        env.put("DECRYPTION_KEY_FILE_NAME", "keys/event-key");
        EventBuilder event = EventBuilder.billing();

        assertEquals(List.of(), recordOne(env, event));

        assertEquals(1, fixture.tables.billing(event.eventId()).size());
    }

    @Test
    void aMissingKeyObjectFailsWithTheBucketAndKeyNamed() {
        fixture.servers.s3Endpoint();
        Map<String, String> env = fixture.environment();
        env.remove("ENCRYPTION_KEY");
        env.put("DECRYPTION_KEY_BUCKET_NAME", "no-such-bucket");
        env.put("DECRYPTION_KEY_FILE_NAME", "event-key");

        SecretUnavailableException e = assertThrows(SecretUnavailableException.class,
                () -> recordOne(env, EventBuilder.otherSession()));
        assertTrue(e.getMessage().contains("s3://no-such-bucket/event-key"), e.getMessage());
    }

    @Test
    void acceptsAKeyThatKmsReturnsAsBase64Text() {
        Map<String, String> env = fixture.environment();
        env.put("ENCRYPTION_KEY", fixture.servers.kms().encryptToBase64(
                Base64.getEncoder().encodeToString(fixture.dataKey).getBytes(StandardCharsets.US_ASCII)));
        EventBuilder event = EventBuilder.fraud();

        assertEquals(List.of(), recordOne(env, event));
        assertEquals(1, fixture.tables.fraud(event.eventId()).size());
    }

    @Test
    void printsEachDecryptedEventAloneOnOneLineOnlyWhenSwitchedOn() {
        EventBuilder event = EventBuilder.otherSession(); // its details hold a newline
        Map<String, String> env = fixture.environment();

        String off = captureStdout(() -> recordOne(env, event));
        env.put("LOG_DECRYPTED_EVENTS", "true");
        String on = captureStdout(() -> recordOne(env, event));

        String json = event.json();
        assertFalse(off.lines().anyMatch(json::equals), "off by default");
        assertTrue(on.lines().anyMatch(json::equals), on);
        assertTrue(off.contains("recorded event_id=" + event.eventId()));
        assertTrue(on.contains("duplicate event_id=" + event.eventId()));
        assertTrue(off.lines().anyMatch(l -> l.startsWith("{\"_aws\"") && l.contains("\"EventsRecorded\":1")),
                "an Embedded Metric Format line per batch");
    }

    private List<?> recordOne(Map<String, String> env, EventBuilder event) {
        try (SqsClient sqs = fixture.servers.sqsClient(); SqsEventHandler handler = new SqsEventHandler(env)) {
            TestQueue queue = TestQueue.standard(sqs);
            queue.send(fixture.encrypt(event));
            return new EventSourceMapping(sqs, queue, handler).pollOnce().getBatchItemFailures();
        }
    }

    private static String captureStdout(Supplier<?> action) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.get();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
