package uk.gov.ida.eventrecorder.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import uk.gov.ida.eventrecorder.lambda.ArchiveReplayHandler;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

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
    void onAVersionedBucketAnArchivePutAgainDuringAReplayIsNeitherReadNorDeletedByItAndItsOwnNotificationReplaysIt() {
        // Given a versioned bucket, and archive A, longer than one batch, about to be replayed
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(
                BucketVersioningStatus.ENABLED)));
        String key = "replay/busy.jsonl";
        List<EventBuilder> a = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            a.add(EventBuilder.otherSession());
        }
        PutObjectResponse putA = putVersion(key, a.toArray(EventBuilder[]::new));
        EventBuilder[] b = {EventBuilder.billing(), EventBuilder.fraud()};
        AtomicReference<PutObjectResponse> putB = new AtomicReference<>();
        // ...and archive B put under the same key while A's replay is under way (after its first batch)
        LambdaContext reuploadedMeanwhile = new LambdaContext(() -> {
            if (putB.get() == null && fixture.tables.count("audit.audit_events") >= 1_000) {
                putB.set(putVersion(key, b));
            }
            return 600_000;
        });

        // When A's notification is handled
        Map<String, Object> first = handler.handleRequest(S3Events.objectCreated(bucket, key, 1, putA),
                reuploadedMeanwhile);

        // Then A's version alone was read, and deleted
        assertEquals(Map.of("lines", 1_200L, "recorded", 1_200L, "duplicates", 0L, "failed", 0L, "deleted", true),
                first.get(key));
        assertEquals(List.of(putB.get().versionId()), versions(key), "B is the only version left, no delete marker");
        for (EventBuilder event : b) {
            assertEquals(0, fixture.tables.audit(event.eventId()).size(), "B was not read as A");
        }

        // And B's own notification replays B
        Map<String, Object> second = handler.handleRequest(S3Events.objectCreated(bucket, key, 1, putB.get()), null);

        assertEquals(Map.of("lines", 2L, "recorded", 2L, "duplicates", 0L, "failed", 0L, "deleted", true),
                second.get(key));
        assertEquals(List.of(), versions(key));
        // ...and A's notification delivered again finds its version gone: nothing to do
        Map<String, Object> again = handler.handleRequest(S3Events.objectCreated(bucket, key, 1, putA), null);
        assertEquals(0L, ((Map<?, ?>) again.get(key)).get("lines"), again.toString());
        assertEquals(1_202, fixture.tables.count("audit.audit_events"));
        assertEquals(1_202L, fixture.tables.query("SELECT count(DISTINCT event_id) AS n FROM audit.audit_events")
                .get(0).get("n"), "every event of both, once");
        assertEquals(1, fixture.tables.billing(b[0].eventId()).size());
    }

    @Test
    void ignoresItsOwnReportObjects() {
        Map<String, Object> result = handler.handleRequest(
                S3Events.objectCreated(bucket, "replay/x.jsonl.report.json", 1), null);
        assertEquals(Map.of(), result);
    }

    private String put(String key, EventBuilder... events) {
        putVersion(key, events);
        return key;
    }

    private PutObjectResponse putVersion(String key, EventBuilder... events) {
        StringBuilder body = new StringBuilder();
        for (EventBuilder event : events) {
            body.append(envelope(event)).append('\n');
        }
        return s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(body.toString()));
    }

    /** The versions of exactly {@code key}, delete markers included (as their own ids). */
    private List<String> versions(String key) {
        var listing = s3.listObjectVersions(r -> r.bucket(bucket).prefix(key));
        List<String> ids = new ArrayList<>();
        listing.versions().stream().filter(v -> v.key().equals(key)).map(ObjectVersion::versionId).forEach(ids::add);
        listing.deleteMarkers().stream().filter(m -> m.key().equals(key)).map(m -> "delete marker " + m.versionId())
                .forEach(ids::add);
        return ids;
    }

    static String envelope(EventBuilder event) {
        return "{\"document\":" + event.json() + "}";
    }
}
