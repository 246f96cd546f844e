package uk.gov.ida.eventrecorder.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import uk.gov.ida.eventrecorder.lambda.ArchiveReplayHandler;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiveReplayHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RecorderFixture fixture = new RecorderFixture();
    private final String bucket = "archive-" + UUID.randomUUID().toString().substring(0, 8);
    private S3Client s3;
    private ArchiveReplayHandler handler;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        s3 = fixture.servers.s3Client();
        s3.createBucket(r -> r.bucket(bucket));
        Map<String, String> env = fixture.environment();
        env.remove("ENCRYPTION_KEY"); // the replay reads plaintext: it needs no data key
        handler = new ArchiveReplayHandler(env);
    }

    @AfterEach
    void tearDown() {
        handler.close();
        s3.close();
    }

    @Test
    void recordsEveryLineAsTheQueuePathWouldAndDeletesTheObject() {
        EventBuilder billing = EventBuilder.billing();
        EventBuilder fraud = EventBuilder.fraud();
        EventBuilder iso = EventBuilder.otherSession().timestampIso("2018-02-10T12:00:00Z");
        EventBuilder error = EventBuilder.errorEvent().sessionIdNull();
        String key = put("replay/2018-02-10.jsonl", billing, fraud, iso, error);

        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);

        assertEquals(Map.of("lines", 4L, "recorded", 4L, "duplicates", 0L, "failed", 0L, "deleted", true),
                result.get(key));
        assertEquals(1, fixture.tables.billing(billing.eventId()).size());
        assertEquals(1, fixture.tables.fraud(fraud.eventId()).size());
        assertEquals(LocalDateTime.parse("2018-02-10T12:00:00"),
                fixture.tables.audit(iso.eventId()).get(0).get("time_stamp"));
        assertEquals(null, fixture.tables.audit(error.eventId()).get(0).get("session_id"));
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key(key)));
    }

    @Test
    void countsAndReportsInvalidLinesByNumberKeepsTheObjectAndRecordsTheRest() throws Exception {
        EventBuilder good1 = EventBuilder.billing();
        EventBuilder good2 = EventBuilder.fraud();
        EventBuilder incomplete = EventBuilder.billing().withoutDetail("pid");
        String body = envelope(good1) + "\n"
                + "this is not json\n"
                + "{\"notADocument\": {}}\n"
                + envelope(EventBuilder.otherSession().without("originatingService")) + "\n"
                + "\n"
                + envelope(good2) + "\n"
                + envelope(incomplete) + "\n";
        String key = "replay/broken.jsonl";
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(body));

        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, body.length()), null);

        assertEquals(Map.of("lines", 6L, "recorded", 2L, "duplicates", 0L, "failed", 4L, "deleted", false),
                result.get(key));
        s3.headObject(r -> r.bucket(bucket).key(key)); // kept
        JsonNode report = JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key + ".report.json")).asUtf8String());
        assertEquals(4, report.get("failed").asInt());
        assertEquals(List.of(2, 3, 4, 7), report.get("failures").findValues("line").stream().map(JsonNode::asInt).toList());
        assertEquals("json", report.get("failures").get(0).get("reason").asText());
        assertTrue(report.get("failures").get(2).get("detail").asText().contains("originatingService"));
        assertEquals("incomplete billing event", report.get("failures").get(3).get("reason").asText());
        assertEquals(3, fixture.tables.count("audit.audit_events"), "the incomplete billing event keeps its audit row");
    }

    @Test
    void aTimestampBeyondEveryDateTypeIsOneInvalidLineAndTheLinesAroundItAreRecorded() throws Exception {
        // A valid ISO instant that, with its offset, lies beyond LocalDateTime's years: it used to escape the parser
        // as a DateTimeException, stopping the import at that line on every retry
        EventBuilder before = EventBuilder.billing();
        EventBuilder beyond = EventBuilder.otherSession().timestampIso("+999999999-12-31T23:59:59-01:00");
        EventBuilder after = EventBuilder.fraud();
        String key = put("replay/far.jsonl", before, beyond, after);

        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);

        assertEquals(Map.of("lines", 3L, "recorded", 2L, "duplicates", 0L, "failed", 1L, "deleted", false),
                result.get(key));
        JsonNode report = JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key + ".report.json")).asUtf8String());
        assertEquals(2, report.get("failures").get(0).get("line").asInt());
        assertEquals("timestamp out of range", report.get("failures").get(0).get("reason").asText());
        assertEquals(1, fixture.tables.audit(before.eventId()).size());
        assertEquals(1, fixture.tables.audit(after.eventId()).size());
        assertEquals(0, fixture.tables.audit(beyond.eventId()).size());
    }

    @Test
    void replayingTheSameArchiveAgainRecordsNothingTwice() {
        EventBuilder a = EventBuilder.billing();
        EventBuilder b = EventBuilder.fraud();
        String key = put("replay/again.jsonl", a, b);
        handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);
        put("replay/again.jsonl", a, b);

        Map<String, Object> second = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);

        assertEquals(Map.of("lines", 2L, "recorded", 0L, "duplicates", 2L, "failed", 0L, "deleted", true),
                second.get(key));
        assertEquals(2, fixture.tables.count("audit.audit_events"));
        assertEquals(1, fixture.tables.count("billing.billing_events"));
    }

    @Test
    void ignoresItsOwnReportObjects() {
        Map<String, Object> result = handler.handleRequest(
                S3Events.objectCreated(bucket, "replay/x.jsonl.report.json", 1), null);
        assertEquals(Map.of(), result);
    }

    private String put(String key, EventBuilder... events) {
        StringBuilder body = new StringBuilder();
        for (EventBuilder event : events) {
            body.append(envelope(event)).append('\n');
        }
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(body.toString()));
        return key;
    }

    static String envelope(EventBuilder event) {
        return "{\"document\":" + event.json() + "}";
    }
}
