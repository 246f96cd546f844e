package uk.gov.ida.eventrecorder.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventEncrypter;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeySourcesAndLogsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
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
    void aMissingKeyObjectFailsTheMessageAsKeyUnavailableWithTheBucketAndKeyNamed() {
        fixture.servers.s3Endpoint();
        Map<String, String> env = fixture.environment();
        env.remove("ENCRYPTION_KEY");
        env.put("DECRYPTION_KEY_BUCKET_NAME", "no-such-bucket");
        env.put("DECRYPTION_KEY_FILE_NAME", "event-key");

        List<?>[] failures = new List<?>[1];
        String logs = captureStdout(() -> failures[0] = recordOne(env, EventBuilder.otherSession()));

        assertEquals(1, failures[0].size(), "the message goes back to the queue");
        String line = logs.lines().filter(l -> l.contains("\"outcome\":\"failed\"")).findFirst().orElseThrow();
        assertTrue(line.contains("\"reason\":\"key unavailable\"") && line.contains("s3://no-such-bucket/event-key"),
                line);
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
    void logsEachDecryptedEventAsAJsonFieldOnlyWhenSwitchedOn() throws Exception {
        EventBuilder event = EventBuilder.otherSession(); // its details hold a newline
        Map<String, String> env = fixture.environment();

        List<JsonNode> off = jsonLines(captureStdout(() -> recordOne(env, event)));
        env.put("LOG_DECRYPTED_EVENTS", "true");
        List<JsonNode> on = jsonLines(captureStdout(() -> recordOne(env, event)));

        JsonNode sent = JSON.readTree(event.json());
        assertFalse(off.stream().anyMatch(l -> l.has("event")), "off by default");
        JsonNode decrypted = on.stream().filter(l -> l.path("logger").asText().equals("DecryptedEvents")).findFirst()
                .orElseThrow(() -> new AssertionError("no DecryptedEvents line: " + on));
        assertEquals(sent, decrypted.get("event"), "the event itself, as a JSON field");
        assertEquals("INFO", decrypted.path("level").asText());
        JsonNode recorded = batchLine(off);
        assertEquals(1, recorded.path("EventsRecorded").asInt(), "an Embedded Metric Format line per batch");
        assertEquals(1, recorded.path("recorded").size(), "which carries the message id recorded: " + recorded);
        assertEquals(1, recorded.path("data_keys").path("1").asInt(), "and the data key it decrypted under");
        JsonNode duplicate = batchLine(on);
        assertEquals(0, duplicate.path("recorded").size());
        assertEquals(1, duplicate.path("duplicate").size(), "the second delivery, already recorded: " + duplicate);
    }

    @Test
    void aBatchOfTheProducersMixCostsAtMostAHundredLogBytesAnEventAndEachMessageIsFoundInOneLine()
            throws Exception {
        List<String> sent = new ArrayList<>();
        String output;
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            for (var event : uk.gov.ida.eventrecorder.testing.EventMix.of(10, 7)) {
                sent.add(queue.send(fixture.encrypt(event)));
            }
            // Everything the function writes, from its init to its answer.
            output = captureStdout(() -> {
                try (SqsEventHandler handler = new SqsEventHandler(fixture.environment())) {
                    return new EventSourceMapping(sqs, queue, handler).pollOnce();
                }
            });
        }

        assertEquals(10, fixture.tables.count("audit.audit_events"));
        int bytes = output.getBytes(StandardCharsets.UTF_8).length;
        System.out.printf("log bytes for a recorded 10-message batch: %d, %.1f an event%n", bytes, bytes / 10.0);
        assertTrue(bytes <= 1_000, "at most 100 bytes an event: " + bytes + "\n" + output);
        for (String messageId : sent) {
            assertEquals(1, output.lines().filter(l -> l.contains(messageId)).count(),
                    "what happened to " + messageId + " is in one line: " + output);
        }
        JsonNode batch = batchLine(jsonLines(output));
        assertFalse(batch.path("aws_request_id").asText().isEmpty(), batch.toString());
        assertEquals(10, batch.path("recorded").size());
    }

    @Test
    void everyLineAHandlerRunWritesIsOneJsonObjectAndFailuresCarryTheirReasonAndTheRequestId() throws Exception {
        Map<String, String> env = fixture.environment();
        String output = captureStdout(() -> {
            try (SqsClient sqs = fixture.servers.sqsClient(); SqsEventHandler handler = new SqsEventHandler(env)) {
                TestQueue queue = TestQueue.standard(sqs);
                queue.send(fixture.encrypt(EventBuilder.billing()));
                queue.send(fixture.encrypt(EventBuilder.billing().withoutDetail("pid")));
                queue.send("not base64!");
                return new EventSourceMapping(sqs, queue, handler).pollOnce();
            }
        });

        List<JsonNode> lines = jsonLines(output);
        assertTrue(lines.size() >= 4, output);
        List<JsonNode> failed = lines.stream().filter(l -> l.path("outcome").asText().equals("failed")).toList();
        assertEquals(List.of("base64", "incomplete billing event"), failed.stream()
                .map(l -> l.path("reason").asText()).sorted().toList());
        for (JsonNode line : failed) {
            assertEquals("WARN", line.path("level").asText());
            assertTrue(line.has("message_id") && line.has("detail"), line.toString());
            assertFalse(line.path("aws_request_id").asText().isEmpty(), "the Lambda request id: " + line);
        }
        assertTrue(failed.stream().anyMatch(l -> l.path("detail").asText().contains("details.pid")),
                "which field, why");
    }

    @Test
    void everyDrainLoopsLinesCarryTheRequestIdOfTheInvocationTheyWorkFor() throws Exception {
        List<List<JsonNode>> invocations = new ArrayList<>();
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            Map<String, String> env = fixture.environment();
            env.put("QUEUE_URL", queue.url());
            env.put("DRAIN_CONCURRENCY", "4");
            try (QueueDrainHandler handler = new QueueDrainHandler(env)) {
                for (int run = 0; run < 2; run++) {
                    for (int i = 0; i < 80; i++) {
                        queue.send(fixture.encrypt(EventBuilder.errorEvent()));
                    }
                    invocations.add(jsonLines(captureStdout(() -> handler.handleRequest(Map.of(),
                            LambdaContext.withTimeout(60_000)))).stream()
                            .filter(l -> l.has("recorded") && l.has("_aws")).toList());
                }
            }
        }

        List<String> ids = new ArrayList<>();
        for (List<JsonNode> lines : invocations) {
            assertEquals(80, lines.stream().mapToInt(l -> l.path("recorded").size()).sum(), lines.toString());
            List<String> distinct = lines.stream().map(l -> l.path("aws_request_id").asText()).distinct().toList();
            assertEquals(1, distinct.size(), "one request id on every loop's lines: " + distinct);
            assertFalse(distinct.get(0).isEmpty());
            ids.add(distinct.get(0));
        }
        assertNotEquals(ids.get(0), ids.get(1), "the second invocation's loops carry its own id, not the first's");
    }

    @Test
    void duringARotationEachMessageIsReadWithTheKeyItWasEncryptedUnderAndAThirdKeyFailsAlone() throws Exception {
        EventEncrypter oldKey = new EventEncrypter(fixture.dataKey);
        byte[] newKeyBytes = EventEncrypter.newKey(32);
        EventEncrypter newKey = new EventEncrypter(newKeyBytes);
        EventEncrypter unknownKey = new EventEncrypter(EventEncrypter.newKey(16));
        Map<String, String> env = fixture.environment();
        env.put("ENCRYPTION_KEY", fixture.servers.kms().encryptToBase64(newKeyBytes) + ","
                + fixture.servers.kms().encryptToBase64(fixture.dataKey));

        assertRotation(env, oldKey, newKey, unknownKey);
    }

    @Test
    void aKeyObjectInS3MayHoldSeveralKeysOneALine() throws Exception {
        byte[] newKeyBytes = EventEncrypter.newKey(16);
        try (S3Client s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket("event-recorder-rotation"));
            s3.putObject(r -> r.bucket("event-recorder-rotation").key("keys/event-keys"),
                    RequestBody.fromString(fixture.servers.kms().encryptToBase64(newKeyBytes) + "\n"
                            + fixture.servers.kms().encryptToBase64(fixture.dataKey) + "\n"));
        }
        Map<String, String> env = fixture.environment();
        env.remove("ENCRYPTION_KEY");
        env.put("DECRYPTION_KEY_BUCKET_NAME", "event-recorder-rotation");
        env.put("DECRYPTION_KEY_FILE_NAME", "keys/event-keys");

        assertRotation(env, new EventEncrypter(fixture.dataKey), new EventEncrypter(newKeyBytes),
                new EventEncrypter(EventEncrypter.newKey(24)));
    }

    /** The new key is configured first, the old second; a message under a third key fails alone. */
    private void assertRotation(Map<String, String> env, EventEncrypter oldKey, EventEncrypter newKey,
                                EventEncrypter unknownKey) throws Exception {
        EventBuilder underOld = EventBuilder.billing();
        EventBuilder underNew = EventBuilder.fraud();
        EventBuilder underUnknown = EventBuilder.otherSession();
        Map<String, String> messageIds = new java.util.HashMap<>();
        String output = captureStdout(() -> {
            try (SqsClient sqs = fixture.servers.sqsClient(); SqsEventHandler handler = new SqsEventHandler(env)) {
                TestQueue queue = TestQueue.standard(sqs);
                messageIds.put(queue.send(oldKey.encrypt(underOld.json())), "old");
                messageIds.put(queue.send(newKey.encrypt(underNew.json())), "new");
                messageIds.put(queue.send(unknownKey.encrypt(underUnknown.json())), "unknown");
                return new EventSourceMapping(sqs, queue, handler).pollOnce();
            }
        });

        assertEquals(1, fixture.tables.billing(underOld.eventId()).size());
        assertEquals(1, fixture.tables.fraud(underNew.eventId()).size());
        assertEquals(List.of(), fixture.tables.audit(underUnknown.eventId()));
        List<JsonNode> lines = jsonLines(output);
        JsonNode batch = batchLine(lines);
        assertEquals(1, batch.path("data_keys").path("1").asInt(), "the new key is first: " + batch);
        assertEquals(1, batch.path("data_keys").path("2").asInt(), "the old key second, still in use: " + batch);
        JsonNode unknown = lines.stream().filter(l -> l.path("outcome").asText().equals("failed")).findFirst()
                .orElseThrow();
        assertEquals("unknown", messageIds.get(unknown.path("message_id").asText()));
        assertEquals("padding/key", unknown.path("reason").asText());
        assertTrue(unknown.path("detail").asText().contains("none of the 2 data keys"));
    }

    /** The batch's metrics-and-trace line. */
    private static JsonNode batchLine(List<JsonNode> lines) {
        return lines.stream().filter(l -> l.has("_aws") && l.has("recorded")).findFirst()
                .orElseThrow(() -> new AssertionError("no batch line: " + lines));
    }

    private static List<JsonNode> jsonLines(String output) throws Exception {
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = JSON.readTree(line); // throws on any line that is not JSON
            assertTrue(node.isObject(), "one JSON object per line: " + line);
            lines.add(node);
        }
        return lines;
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
