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
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.lambda.ArchiveReplayHandler;
import uk.gov.ida.eventrecorder.testing.CuttableProxy;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An archive replay that cannot finish in one invocation (time runs out, the database fails) must not lose track of
 * its object: it notes how far it got, ends with an error so that Lambda retries it, and the retry resumes there.
 */
class InterruptedReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LINES = 2_500;
    private static final int BAD_LINE = 100;
    private final RecorderFixture fixture = new RecorderFixture();
    private final String bucket = "archive-" + UUID.randomUUID().toString().substring(0, 8);
    private S3Client s3;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        s3 = fixture.servers.s3Client();
        s3.createBucket(r -> r.bucket(bucket));
    }

    @AfterEach
    void tearDown() {
        s3.close();
    }

    @Test
    void aReplayRunningOutOfTimeNotesItsLineAndTheRetryResumesThereRecordingEachEventOnce() throws Exception {
        String key = putArchive("replay/long.jsonl");
        try (ArchiveReplayHandler handler = new ArchiveReplayHandler(importEnvironment(null))) {
            // Plenty of time until the first batch (1,000 events: lines 1 to 1,001, one invalid) is in; then it has
            // 62 s left, less than one S3 call (61 s kept back) and a batch (5 s) need.
            LambdaContext runningOut = new LambdaContext(() ->
                    fixture.tables.count("audit.audit_events") >= 1_000 ? 62_000 : 600_000);

            assertThrows(ReplayIncompleteException.class,
                    () -> handler.handleRequest(S3Events.objectCreated(bucket, key, 1), runningOut));

            assertEquals(1_000, fixture.tables.count("audit.audit_events"));
            Map<String, String> tags = tags(key);
            assertEquals("1001", tags.get(ReplayProgress.LINE_TAG));
            assertEquals("1", tags.get(ReplayProgress.FAILED_TAG), "the invalid line is remembered");
            assertEquals("kept", tags.get("retention"), "the object's own tags are kept");

            Map<String, Object> retried = handler.handleRequest(S3Events.objectCreated(bucket, key, 1),
                    LambdaContext.withTimeout(600_000));

            Map<?, ?> result = (Map<?, ?>) retried.get(key);
            assertEquals(1_001L, result.get("resumedAfterLine"), retried.toString());
            assertEquals(1_499L, result.get("recorded"), "only the lines after 1,001: " + retried);
            assertEquals(0L, result.get("duplicates"));
            assertEquals(false, result.get("deleted"), "an invalid line before resuming keeps the object");
            JsonNode report = JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(bucket)
                    .key(key + ArchiveReplayer.REPORT_SUFFIX)).asByteArray());
            assertEquals(1, report.path("failedBeforeResuming").asInt(), report.toString());
        }
        assertEquals(LINES - 1, fixture.tables.count("audit.audit_events"));
        assertEquals((long) LINES - 1, fixture.tables.query("SELECT count(DISTINCT event_id) AS n "
                + "FROM audit.audit_events").get(0).get("n"), "each once");
    }

    @Test
    void aReplayCutOffByTheDatabaseFailsTheInvocationAndTheRetryResumesAfterTheLastBatchRecorded() throws Exception {
        String key = putArchive("replay/cut.jsonl");
        try (CuttableProxy proxy = new CuttableProxy(fixture.database.settings().host(),
                fixture.database.settings().port());
             ArchiveReplayHandler handler = new ArchiveReplayHandler(importEnvironment(proxy))) {
            LambdaContext cutsAfterFirstBatch = new LambdaContext(() -> {
                if (fixture.tables.count("audit.audit_events") >= 1_000) {
                    proxy.cut();
                }
                return 600_000;
            });

            DependencyException failure = assertThrows(DependencyException.class,
                    () -> handler.handleRequest(S3Events.objectCreated(bucket, key, 1), cutsAfterFirstBatch));
            assertEquals("database", failure.dependency());
            assertEquals("1001", tags(key).get(ReplayProgress.LINE_TAG));

            proxy.restore();
            Thread.sleep(5_200); // the import circuit's open period; Lambda's first retry comes after about a minute
            Map<String, Object> retried = handler.handleRequest(S3Events.objectCreated(bucket, key, 1),
                    LambdaContext.withTimeout(600_000));
            assertEquals(1_499L, ((Map<?, ?>) retried.get(key)).get("recorded"), retried.toString());
        }
        assertEquals(LINES - 1, fixture.tables.count("audit.audit_events"));
    }

    @Test
    void onAVersionedBucketTheRetryResumesTheVersionItWasToldAboutAndLeavesANewerOneToItsOwnNotification()
            throws Exception {
        // Given a versioned bucket, and a replay of version A that ran out of time after its first batch
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(
                BucketVersioningStatus.ENABLED)));
        String key = "replay/versioned.jsonl";
        PutObjectResponse a = putArchiveVersion(key);
        var notificationOfA = S3Events.objectCreated(bucket, key, 1, a);
        try (ArchiveReplayHandler handler = new ArchiveReplayHandler(importEnvironment(null))) {
            LambdaContext runningOut = new LambdaContext(() ->
                    fixture.tables.count("audit.audit_events") >= 1_000 ? 62_000 : 600_000);
            assertThrows(ReplayIncompleteException.class, () -> handler.handleRequest(notificationOfA, runningOut));
            // ...and B put under the same key before Lambda's retry
            EventBuilder b = EventBuilder.billing();
            PutObjectResponse putB = s3.putObject(r -> r.bucket(bucket).key(key),
                    RequestBody.fromString(ArchiveReplayHandlerTest.envelope(b) + "\n"));

            // When Lambda retries A's notification
            Map<String, Object> retried = handler.handleRequest(notificationOfA, LambdaContext.withTimeout(600_000));

            // Then it resumed A's version where it stopped, and wrote A's report
            Map<?, ?> result = (Map<?, ?>) retried.get(key);
            assertEquals(1_001L, result.get("resumedAfterLine"), retried.toString());
            assertEquals(1_499L, result.get("recorded"), retried.toString());
            assertEquals(0, fixture.tables.audit(b.eventId()).size(), "B was not read as A");
            JsonNode report = JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(bucket)
                    .key(key + ArchiveReplayer.REPORT_SUFFIX)).asByteArray());
            assertEquals(a.versionId(), report.path("versionId").asText(), report.toString());
            assertEquals(a.versionId(), s3.headObject(r -> r.bucket(bucket).key(key).versionId(a.versionId()))
                    .versionId(), "A is kept, for its invalid line");
            assertEquals(putB.versionId(), s3.headObject(r -> r.bucket(bucket).key(key)).versionId(), "B is current");
            assertEquals(null, tags(key).get(ReplayProgress.LINE_TAG), "B carries no progress of A's");

            // And B's own notification replays B, from its first line
            Map<String, Object> ofB = handler.handleRequest(S3Events.objectCreated(bucket, key, 1, putB), null);
            assertEquals(Map.of("lines", 1L, "recorded", 1L, "duplicates", 0L, "failed", 0L, "deleted", true),
                    ofB.get(key));
        }
        assertEquals(LINES, fixture.tables.count("audit.audit_events"), "A's valid lines and B's, each once");
    }

    @Test
    void aNotificationDeliveredAgainAfterTheReplayDeletedTheObjectDoesNothing() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            body.append(ArchiveReplayHandlerTest.envelope(EventBuilder.otherSession())).append('\n');
        }
        s3.putObject(r -> r.bucket(bucket).key("replay/short.jsonl"), RequestBody.fromString(body.toString()));
        try (ArchiveReplayHandler handler = new ArchiveReplayHandler(importEnvironment(null))) {
            handler.handleRequest(S3Events.objectCreated(bucket, "replay/short.jsonl", 1), null);
            assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key("replay/short.jsonl")));

            Map<String, Object> again = handler.handleRequest(S3Events.objectCreated(bucket, "replay/short.jsonl", 1),
                    null);
            assertEquals(0L, ((Map<?, ?>) again.get("replay/short.jsonl")).get("lines"), again.toString());
        }
        assertEquals(3, fixture.tables.count("audit.audit_events"));
    }

    private Map<String, String> importEnvironment(CuttableProxy proxy) {
        Map<String, String> env = proxy == null ? fixture.environment() : fixture.environmentThrough(proxy);
        env.remove("ENCRYPTION_KEY");
        return env;
    }

    private String putArchive(String key) {
        putArchiveVersion(key);
        return key;
    }

    private PutObjectResponse putArchiveVersion(String key) {
        StringBuilder body = new StringBuilder();
        for (int line = 1; line <= LINES; line++) {
            body.append(line == BAD_LINE ? "{\"document\": 42}" : ArchiveReplayHandlerTest.envelope(
                    line % 3 == 0 ? EventBuilder.billing() : EventBuilder.otherSession())).append('\n');
        }
        return s3.putObject(r -> r.bucket(bucket).key(key).tagging("retention=kept"),
                RequestBody.fromString(body.toString()));
    }

    private Map<String, String> tags(String key) {
        Map<String, String> tags = new HashMap<>();
        s3.getObjectTagging(r -> r.bucket(bucket).key(key)).tagSet().forEach(t -> tags.put(t.key(), t.value()));
        return tags;
    }
}
