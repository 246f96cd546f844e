package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaRuntime;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged artifact as Lambda runs it: unzipped into a task root, started by Lambda's runtime interface client
 * under the template's JVM options, fed the JSON the SQS event source, EventBridge and S3 send, its answers read back
 * as JSON. What the handlers receive is what the client's own serializers make of that JSON, not objects a test built.
 */
class RuntimeClientIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ARTIFACT = Path.of(System.getProperty("artifact.path", "target/event-recorder-lambda.jar"));
    private final RecorderFixture fixture = new RecorderFixture();
    private SqsClient sqs;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
    }

    @AfterEach
    void tearDown() {
        sqs.close();
    }

    @Test
    void anSqsBatchIsAnsweredWithExactlyItsFailedMessagesAndItsEventsRecorded() throws Exception {
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        List<EventBuilder> events = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            EventBuilder event = i % 3 == 0 ? EventBuilder.fraud() : EventBuilder.billing();
            events.add(event);
            queue.send(fixture.encrypt(event));
        }
        String bad = queue.send("not an encrypted event");
        List<Message> received = receive(queue, 10);

        try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT,
                LambdaRuntime.EVENT_SOURCE_HANDLER, fixture.processEnvironment(), 1)) {
            long t0 = System.nanoTime();
            LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.sqsEvent(received, queue.arn()));
            long firstMillis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("runtime client, this JDK (%s): init %,d ms, first 10-message invocation %,d ms%n",
                    Runtime.version(), lambda.initMillis(), firstMillis);

            assertFalse(answer.error(), answer.body() + lambda.output());
            JsonNode failures = JSON.readTree(answer.body()).path("batchItemFailures");
            assertEquals(1, failures.size(), answer.body());
            String failedId = failures.get(0).path("itemIdentifier").asText();
            assertEquals(bad, failedId, "the undecryptable message is the one named");
            deleteAllBut(queue, received, failedId);
        }
        for (EventBuilder event : events) {
            assertEquals(1, fixture.tables.audit(event.eventId()).size());
        }
        assertEquals(6, fixture.tables.count("billing.billing_events"));
        assertEquals(3, fixture.tables.count("billing.fraud_events"));
        assertEquals(1, queue.inFlight(), "only the failed message is left, for its retries");
        assertEquals(0, queue.visible());
    }

    @Test
    void aDependencyFailureIsBackedOffThroughTheQueueFoundFromTheEventSourceArn() throws Exception {
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        for (int i = 0; i < 3; i++) {
            queue.send(fixture.encrypt(EventBuilder.otherSession()));
        }
        Map<String, String> env = fixture.processEnvironment();
        env.put("ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAA=="); // KMS refuses it: the data keys cannot be loaded
        List<Message> received = receive(queue, 3);

        try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT,
                LambdaRuntime.EVENT_SOURCE_HANDLER, env, 1)) {
            LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.sqsEvent(received, queue.arn()));

            assertFalse(answer.error(), "failed messages, not a failed invocation: " + answer.body());
            assertEquals(3, JSON.readTree(answer.body()).path("batchItemFailures").size(), answer.body());
            assertTrue(lambda.output().contains("key unavailable"), lambda.output());
        }
        // Hidden for the outage back-off (1 s in the fixture), not the queue's 30 s: the queue's URL was found from
        // the eventSourceARN the client deserialized.
        Thread.sleep(1_500);
        assertEquals(3, queue.visible());
    }

    @Test
    void theDrainStartedByAScheduledEventEmptiesTheQueue() throws Exception {
        TestQueue queue = TestQueue.standard(sqs);
        for (int i = 0; i < 25; i++) {
            queue.send(fixture.encrypt(EventBuilder.errorEvent()));
        }
        Map<String, String> env = fixture.processEnvironment();
        env.put("QUEUE_URL", queue.url());

        try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT,
                "uk.gov.ida.eventrecorder.lambda.QueueDrainHandler::handleRequest", env, 1)) {
            LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.scheduledEvent());

            assertFalse(answer.error(), answer.body() + lambda.output());
            JsonNode summary = JSON.readTree(answer.body());
            assertEquals(25, summary.path("recorded").asInt(), answer.body());
            assertEquals("empty", summary.path("stopReason").asText());
        }
        assertEquals(25, fixture.tables.count("audit.audit_events"));
        assertEquals(0, queue.visible() + queue.inFlight());
    }

    @Test
    void aReplayWhoseKeyArrivesUrlEncodedIsFoundRecordedAndDeleted() throws Exception {
        String bucket = "archive-" + UUID.randomUUID().toString().substring(0, 8);
        String key = "replay/2018 02 10+archive.jsonl";
        EventBuilder event = EventBuilder.billing();
        try (S3Client s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket(bucket));
            s3.putObject(r -> r.bucket(bucket).key(key),
                    RequestBody.fromString("{\"document\":" + event.json() + "}\n"));
            Map<String, String> env = fixture.processEnvironment();
            env.remove("ENCRYPTION_KEY");

            try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT,
                    "uk.gov.ida.eventrecorder.lambda.ArchiveReplayHandler::handleRequest", env, 1)) {
                LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.s3Event(bucket, key, 100));

                assertFalse(answer.error(), answer.body() + lambda.output());
                assertEquals(1, JSON.readTree(answer.body()).path(key).path("recorded").asInt(), answer.body());
            }
            assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key(key)));
        }
        assertEquals(1, fixture.tables.billing(event.eventId()).size());
    }

    @Test
    void aFailedImportReachesTheRuntimeWithItsClassAndSqlstateButNoValueOfItsRows() throws Exception {
        // Given a database that refuses a fraud row by a named CHECK (a dependency failure: the schema, not the file):
        // PostgreSQL's message for it carries "Detail: Failing row contains (…)", the row's values
        String marker = "MARKER-" + UUID.randomUUID();
        String bucket = "uploads-" + UUID.randomUUID().toString().substring(0, 8);
        String key = "upload/idp-a/refused.csv";
        String csv = "timestamp,idp_event_id,fid_code,contra_indicators,contra_score,request_id,client_ip_address,pid\r\n"
                + "2018-07-01 12:00,ev-1,FID01,A01,5,req-1,198.51.100.7," + marker + "\r\n";
        fixture.database.admin("ALTER TABLE idp_data.idp_fraud_events ADD CONSTRAINT runtime_test_refuses_marker "
                + "CHECK (pid NOT LIKE 'MARKER-%')");
        try (S3Client s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket(bucket));
            s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(csv));
            s3.putObjectTagging(r -> r.bucket(bucket).key(key).tagging(t -> t.tagSet(
                    software.amazon.awssdk.services.s3.model.Tag.builder().key("idp").value("idp-a").build(),
                    software.amazon.awssdk.services.s3.model.Tag.builder().key("username").value("alice").build())));
            try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT,
                    "uk.gov.ida.eventrecorder.lambda.FraudUploadHandler::handleRequest", fixture.processEnvironment(), 1)) {
                // When Lambda's runtime client runs the import, which fails
                LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.s3Event(bucket, key, csv.length()));

                // Then the error it reports, and everything the function printed (the runtime prints the whole
                // chain), name the failure's class and SQLSTATE, and no value of the row
                assertTrue(answer.error(), answer.body());
                String printed = answer.body() + lambda.output();
                assertTrue(printed.contains("DatabaseUnavailableException: database failure, SQLSTATE 23514 "
                        + "(check_violation), table idp_data.idp_fraud_events, constraint runtime_test_refuses_marker"),
                        printed);
                assertFalse(printed.contains(marker), "a row's value reached the runtime: " + printed);
                assertFalse(printed.contains("198.51.100.7"), printed);
            }
            s3.headObject(r -> r.bucket(bucket).key(key)); // the upload stays, for Lambda's retries
        } finally {
            fixture.database.admin("ALTER TABLE idp_data.idp_fraud_events DROP CONSTRAINT runtime_test_refuses_marker");
        }
        assertEquals(0, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void anUploadsNotificationReachesTheImportWithItsPutsIdentityThroughTheRuntimesOwnSerializer() throws Exception {
        // The runtime client builds the S3Event from S3's JSON itself: the ETag and sequencer must survive it, or a
        // corrected upload of the same bytes would be taken for a repeat of the first
        String bucket = "uploads-" + UUID.randomUUID().toString().substring(0, 8);
        String key = "upload/idp-a/identity.csv";
        String csv = "timestamp,idp_event_id,fid_code,contra_indicators,contra_score,request_id,client_ip_address,pid\r\n"
                + "2018-07-01 12:00,ev-1,FID01,A01,5,req-1,192.0.2.1,pid-1\r\n";
        try (S3Client s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket(bucket));
            String eTag = s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(csv)).eTag()
                    .replace("\"", "");
            s3.putObjectTagging(r -> r.bucket(bucket).key(key).tagging(t -> t.tagSet(
                    software.amazon.awssdk.services.s3.model.Tag.builder().key("idp").value("idp-a").build(),
                    software.amazon.awssdk.services.s3.model.Tag.builder().key("username").value("alice").build())));
            try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT,
                    "uk.gov.ida.eventrecorder.lambda.FraudUploadHandler::handleRequest", fixture.processEnvironment(), 1)) {
                LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.s3Event(bucket, key, csv.length(), eTag));

                assertFalse(answer.error(), answer.body() + lambda.output());
                assertEquals("success/idp-a/identity.csv", JSON.readTree(answer.body()).path(key).path("movedTo")
                        .asText(), answer.body());
            }
            assertEquals(List.of("s3://" + bucket + "/" + key + "#" + eTag + "@0055AED6DCD90281E5"),
                    fixture.tables.query("SELECT source_object FROM idp_data.upload_sessions").stream()
                            .map(r -> r.get("source_object")).toList(), "keyed by the PUT: its ETag and sequencer");
        }
    }

    @Test
    void atAnApplicationLogLevelOfWarnTheBatchesMetricLineStillPassesLambdasFilter() throws Exception {
        // An operator quietens the logs to WARN in the console: Lambda then drops every line below WARN, and counts a
        // line without a level as INFO
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        EventBuilder event = EventBuilder.billing();
        queue.send(fixture.encrypt(event));
        List<Message> received = receive(queue, 1);
        Map<String, String> env = fixture.processEnvironment();
        env.put("AWS_LAMBDA_LOG_LEVEL", "WARN");
        try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT, LambdaRuntime.EVENT_SOURCE_HANDLER, env, 1)) {
            LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.sqsEvent(received, queue.arn()));
            assertFalse(answer.error(), answer.body() + lambda.output());

            List<JsonNode> kept = new ArrayList<>();
            for (String line : lambda.output().split("\n")) {
                if (line.startsWith("{")) {
                    JsonNode json = JSON.readTree(line);
                    assertTrue(json.has("level"), "every line the function writes has a level: " + line);
                    if (uk.gov.ida.eventrecorder.testing.LambdaLogFilter.keeps(json, "WARN")) {
                        kept.add(json);
                    }
                }
            }
            JsonNode batch = kept.stream().filter(j -> j.has("EventsRecorded")).findFirst().orElseThrow(
                    () -> new AssertionError("the batch's metric line was dropped at WARN: " + lambda.output()));
            assertEquals(1, batch.path("EventsRecorded").asInt());
            assertEquals(received.get(0).messageId(), batch.path("recorded").get(0).asText(), "and its trace");
        }
        assertEquals(1, fixture.tables.billing(event.eventId()).size());
    }

    @Test
    void aRuntimeClientThatCannotLoadItsNativeLibraryFailsTheWaitAtOnceWithTheReason() throws Exception {
        // As when another user's /tmp/.libaws-lambda-jni.so cannot be replaced: the client never asks for /next.
        // (Each started client now gets its own copy of the library; this one is pointed at none.)
        Map<String, String> env = fixture.processEnvironment();
        env.put("JAVA_TOOL_OPTIONS", LambdaRuntime.TEMPLATE_JAVA_OPTIONS + " -D" + LambdaRuntime.NATIVE_LIBRARY_PROPERTY
                + "=/nonexistent/libaws-lambda-jni.so");
        try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT, LambdaRuntime.EVENT_SOURCE_HANDLER, env, 1)) {
            long t0 = System.nanoTime();
            java.util.concurrent.CompletionException failed = assertThrows(java.util.concurrent.CompletionException.class,
                    () -> lambda.invoke(LambdaRuntime.scheduledEvent()));
            long millis = (System.nanoTime() - t0) / 1_000_000;

            System.out.printf("a runtime client that cannot start: the wait failed after %,d ms%n", millis);
            String reason = failed.getCause().getMessage();
            assertTrue(reason.startsWith("the runtime interface client"), reason);
            assertTrue(reason.contains("libaws-lambda-jni"), "with the client's own words: " + reason);
        }
    }

    @Test
    void eightInvocationsAtOnceInOneProcessEachGetAConnectionAndRecordEveryEventOnce() throws Exception {
        int batches = 48;
        TestQueue queue = TestQueue.standard(sqs);
        List<String> sequential = new ArrayList<>();
        List<String> concurrent = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                EventBuilder event = i % 3 == 0 ? EventBuilder.billing() : EventBuilder.otherSession();
                batch.add(Message.builder().messageId(UUID.randomUUID().toString()).receiptHandle("r-" + b + "-" + i)
                        .body(fixture.encrypt(event)).md5OfBody("-")
                        .attributesWithStrings(Map.of("ApproximateReceiveCount", "1")).build());
            }
            (b < batches / 2 ? sequential : concurrent).add(LambdaRuntime.sqsEvent(batch, queue.arn()));
        }
        // The database a region away (3 ms each way), as RDS is from Lambda: a statement is then mostly waiting,
        // which one shared connection would make every invocation do in turn.
        var settings = fixture.database.settings();
        try (var latency = new uk.gov.ida.eventrecorder.testing.LatencyProxy(
                java.net.URI.create("tcp://" + settings.host() + ":" + settings.port()), 3)) {
        Map<String, String> env = fixture.processEnvironment();
        env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING").replace("port=" + settings.port(),
                "port=" + java.net.URI.create(latency.endpoint()).getPort()));
        try (LambdaRuntime lambda = LambdaRuntime.start(ARTIFACT,
                LambdaRuntime.EVENT_SOURCE_HANDLER, env, 8)) {
            // Warm: the first invocation of each handler thread builds nothing the others have not.
            List<java.util.concurrent.CompletableFuture<LambdaRuntime.Answer>> warm = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                warm.add(lambda.submit("{\"Records\":[]}"));
            }
            warm.forEach(java.util.concurrent.CompletableFuture::join);

            long t0 = System.nanoTime();
            for (String event : sequential) {
                assertEquals("{\"batchItemFailures\":[]}", lambda.invoke(event).body());
            }
            long oneAtATime = System.nanoTime() - t0;
            long t1 = System.nanoTime();
            List<java.util.concurrent.CompletableFuture<LambdaRuntime.Answer>> all = new ArrayList<>();
            concurrent.forEach(event -> all.add(lambda.submit(event)));
            for (var answer : all) {
                assertEquals("{\"batchItemFailures\":[]}", answer.join().body());
            }
            long atOnce = System.nanoTime() - t1;
            long connections = (Long) fixture.tables.query("SELECT count(*) AS n FROM pg_stat_activity "
                    + "WHERE application_name = 'event-recorder' AND datname = current_database()")
                    .get(0).get("n");
            assertTrue(connections > 1 && connections <= 8, "the pool is sized by AWS_LAMBDA_MAX_CONCURRENCY, not "
                    + "one connection for all: " + connections);
            System.out.printf("runtime client, AWS_LAMBDA_MAX_CONCURRENCY=8, one process, database 3 ms each way: %d "
                            + "10-message invocations one at a time %,d ms, eight at a time %,d ms: %.2fx%n", batches / 2,
                    oneAtATime / 1_000_000, atOnce / 1_000_000, (double) oneAtATime / atOnce);
        }
        }
        assertEquals(batches * 10L, fixture.tables.count("audit.audit_events"));
        assertEquals(batches * 10L, (Long) fixture.tables.query("SELECT count(DISTINCT event_id) AS n "
                + "FROM audit.audit_events").get(0).get("n"), "each once");
    }

    private List<Message> receive(TestQueue queue, int count) {
        List<Message> received = new ArrayList<>();
        while (received.size() < count) {
            received.addAll(sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(count - received.size())
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages());
        }
        return received;
    }

    /** What the event source mapping does after the answer: deletes every message not named as failed. */
    private void deleteAllBut(TestQueue queue, List<Message> received, String failedId) {
        List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Message m : received) {
            if (!m.messageId().equals(failedId) && ids.add(m.messageId())) {
                deletes.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(deletes.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
        }
        sqs.deleteMessageBatch(r -> r.queueUrl(queue.url()).entries(deletes));
    }
}
