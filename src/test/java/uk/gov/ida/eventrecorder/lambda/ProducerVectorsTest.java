package uk.gov.ida.eventrecorder.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every message in {@code src/test/resources/vectors}, made by the real producer library, is recorded exactly as its plaintext
 * says, through both handlers. Vectors use several data keys: each key gets a function configured with it.
 */
class ProducerVectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A copy of the vectors made by the producer library, kept with their README so a clone stands alone. */
    private static final String VECTORS = "/vectors/verify-event-emitter.jsonl";
    private final RecorderFixture fixture = new RecorderFixture();

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
    }

    @Test
    void theEventSourceHandlerRecordsEveryProducerVectorAsItsPlaintextSays() throws IOException {
        List<JsonNode> vectors = vectors();
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            for (Map.Entry<String, List<JsonNode>> byKey : groupByKey(vectors).entrySet()) {
                TestQueue queue = TestQueue.standard(sqs);
                byKey.getValue().forEach(v -> queue.send(v.get("body").asText()));
                try (SqsEventHandler handler = new SqsEventHandler(environment(byKey.getKey(), null))) {
                    new EventSourceMapping(sqs, queue, handler).pollUntilEmpty()
                            .forEach(r -> assertEquals(List.of(), r.getBatchItemFailures()));
                }
                assertEquals(0, queue.visible() + queue.inFlight());
            }
        }
        assertRecordedAsPlaintextsSay(vectors);
    }

    @Test
    void theDrainHandlerRecordsEveryProducerVectorAsItsPlaintextSays() throws IOException {
        List<JsonNode> vectors = vectors();
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            for (Map.Entry<String, List<JsonNode>> byKey : groupByKey(vectors).entrySet()) {
                TestQueue queue = TestQueue.standard(sqs);
                byKey.getValue().forEach(v -> queue.send(v.get("body").asText()));
                try (QueueDrainHandler handler = new QueueDrainHandler(environment(byKey.getKey(), queue.url()))) {
                    Map<String, Object> summary = handler.handleRequest(Map.of(), LambdaContext.withTimeout(60_000));
                    assertEquals(0L, summary.get("failed"));
                }
                assertEquals(0, queue.visible() + queue.inFlight());
            }
        }
        assertRecordedAsPlaintextsSay(vectors);
    }

    private void assertRecordedAsPlaintextsSay(List<JsonNode> vectors) throws IOException {
        int billing = 0, fraud = 0;
        for (JsonNode vector : vectors) {
            JsonNode event = JSON.readTree(vector.get("plaintext").asText());
            String eventId = event.get("eventId").asText();
            List<Map<String, Object>> rows = fixture.tables.audit(eventId);
            assertEquals(1, rows.size(), "audit rows of " + eventId);
            Map<String, Object> row = rows.get(0);
            LocalDateTime expectedTime = LocalDateTime.ofInstant(Instant.ofEpochMilli(event.get("timestamp").asLong()),
                    ZoneOffset.UTC);
            assertEquals(expectedTime, row.get("time_stamp"));
            assertEquals(event.get("eventType").asText(), row.get("event_type"));
            assertEquals(event.get("originatingService").asText(), row.get("originating_service"));
            JsonNode sessionId = event.get("sessionId");
            if (sessionId == null) {
                assertEquals("", row.get("session_id"));
            } else if (sessionId.isNull()) {
                assertNull(row.get("session_id"));
            } else {
                assertEquals(sessionId.asText(), row.get("session_id"));
            }
            assertEquals(event.get("details"), JSON.readTree((String) row.get("details")), "details of " + eventId);
            String type = event.get("details").path("session_event_type").asText();
            if (type.equals("idp_authn_succeeded")) {
                billing++;
                Map<String, Object> b = fixture.tables.billing(eventId).get(0);
                assertEquals(event.get("details").get("pid").asText(), b.get("hashed_persistent_id"));
                assertEquals(event.get("details").get("request_id").asText(), b.get("request_id"));
                assertEquals(event.get("details").get("provided_level_of_assurance").asText(),
                        b.get("provided_level_of_assurance"));
            } else if (type.equals("fraud_detected")) {
                fraud++;
                Map<String, Object> f = fixture.tables.fraud(eventId).get(0);
                assertEquals(event.get("details").get("gpg45_status").asText(), f.get("fraud_indicator"));
                assertEquals(event.get("details").get("idp_fraud_event_id").asText(), f.get("fraud_event_id"));
            }
        }
        assertEquals(vectors.size(), fixture.tables.count("audit.audit_events"));
        assertEquals(billing, fixture.tables.count("billing.billing_events"));
        assertEquals(fraud, fixture.tables.count("billing.fraud_events"));
        assertTrue(billing > 0 && fraud > 0, "the vectors include billing and fraud events");
    }

    private Map<String, String> environment(String keyBase64, String queueUrl) {
        Map<String, String> env = fixture.environment();
        env.put("ENCRYPTION_KEY", fixture.servers.kms().encryptToBase64(Base64.getDecoder().decode(keyBase64)));
        if (queueUrl != null) {
            env.put("QUEUE_URL", queueUrl);
        }
        return env;
    }

    private static Map<String, List<JsonNode>> groupByKey(List<JsonNode> vectors) {
        Map<String, List<JsonNode>> byKey = new LinkedHashMap<>();
        vectors.forEach(v -> byKey.computeIfAbsent(v.get("key_base64").asText(), k -> new ArrayList<>()).add(v));
        return byKey;
    }

    static List<JsonNode> vectors() throws IOException {
        List<JsonNode> vectors = new ArrayList<>();
        try (InputStream in = ProducerVectorsTest.class.getResourceAsStream(VECTORS)) {
            assertNotNull(in, "the producer vectors are missing from the test resources: " + VECTORS);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    vectors.add(JSON.readTree(line));
                }
            }
        }
        assertTrue(vectors.size() >= 12, "expected at least 12 producer vectors in " + VECTORS);
        return vectors;
    }
}
