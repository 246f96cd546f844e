package uk.gov.ida.eventrecorder.privacy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.lambda.ArchiveReplayHandler;
import uk.gov.ida.eventrecorder.lambda.FraudUploadHandler;
import uk.gov.ida.eventrecorder.lambda.QueueDrainHandler;
import uk.gov.ida.eventrecorder.lambda.SqsEventHandler;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events carry personal data (persistent ids, IP addresses, session ids): none of it may leave the recorder in a log
 * line, a replay report or a stored validation failure, however broken the input that carries it. Every input here
 * puts a marker in its content, where a parser's message would quote it; the marker must appear nowhere. (The
 * operator commands, {@code dlq inspect} and {@code decrypt-check}, are checked from the artifact in
 * {@code OperatorCommandsIT}.)
 */
public class NoEventContentInOutputTest {
    public static final String MARKER = "PII-MARKER-51";
    private final RecorderFixture fixture = new RecorderFixture();
    private SqsClient sqs;
    private S3Client s3;

    /** Event JSON, each broken (or not) in a way that puts the marker where a message could quote it. */
    public static List<String> eventsCarryingTheMarker() {
        String head = "{\"eventId\":\"" + UUID.randomUUID() + "\",\"eventType\":\"session_event\","
                + "\"originatingService\":\"hub\",\"sessionId\":\"s-1\",";
        List<String> events = new ArrayList<>();
        events.add(head + "\"timestamp\":1518264452000,\"details\":{\"pid\":" + MARKER + "}}"); // unquoted
        events.add(head + "\"timestamp\":\"" + MARKER + "\",\"details\":{}}"); // not a date
        events.add(head + "\"timestamp\":1518264452000,\"details\":{\"" + MARKER + "\":1,\"" + MARKER + "\":2}}");
        events.add(head + "\"timestamp\":1518264452000,\"details\":{\"ip\":\"" + MARKER + "\u0001\"}}");
        events.add(head + "\"timestamp\":1518264452000,\"details\":{\"ip\":\"\\q" + MARKER + "\"}}");
        events.add(head + "\"timestamp\":1518264452000,\"details\":{}} " + MARKER); // trailing
        events.add(head + "\"timestamp\":1518264452000,\"details\":{\"n\":-" + MARKER + "}}");
        events.add(MARKER + " is not JSON at all");
        // Parsed, then failed or recorded: their content stays in the database.
        events.add(EventBuilder.billing().detail("pid", MARKER).withoutDetail("request_id").json());
        events.add(EventBuilder.otherSession().detail("client_ip", MARKER).json());
        return events;
    }

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
        s3 = fixture.servers.s3Client();
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        s3.close();
    }

    @Test
    void theEventSourceHandlerLogsNoContentOfTheMessagesItRefusesOrRecords() {
        TestQueue queue = TestQueue.standard(sqs);
        eventsCarryingTheMarker().forEach(json -> queue.send(fixture.encrypter.encrypt(json)));

        String output = captureOutput(() -> {
            try (SqsEventHandler handler = new SqsEventHandler(fixture.environment())) {
                EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
                assertEquals(9, mapping.pollOnce().getBatchItemFailures().size(), "all but the good event failed");
            }
        });

        assertTrue(output.contains("\"outcome\":\"failed\""), "the failures were logged");
        assertFalse(output.contains(MARKER), output);
        assertEquals(2, fixture.tables.count("audit.audit_events"), "the billing event's audit row, the good one");
    }

    @Test
    void theDrainLogsNoContentOfTheMessagesItRefusesOrRecords() {
        TestQueue queue = TestQueue.standard(sqs);
        eventsCarryingTheMarker().forEach(json -> queue.send(fixture.encrypter.encrypt(json)));
        Map<String, String> env = fixture.environment();
        env.put("QUEUE_URL", queue.url());

        String output = captureOutput(() -> {
            try (QueueDrainHandler handler = new QueueDrainHandler(env)) {
                Map<String, Object> summary = handler.handleRequest(Map.of(), LambdaContext.withTimeout(60_000));
                assertEquals(9L, summary.get("failed"), summary.toString());
            }
        });

        assertFalse(output.contains(MARKER), output);
    }

    @Test
    void anArchiveReplayPutsNoContentInItsLogsOrItsReport() {
        String bucket = "archive-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(r -> r.bucket(bucket));
        StringBuilder lines = new StringBuilder();
        eventsCarryingTheMarker().forEach(json -> lines.append("{\"document\": ").append(json).append("}\n"));
        lines.append("{\"document\": ").append(MARKER).append("}\n");
        s3.putObject(r -> r.bucket(bucket).key("replay/marked.jsonl"), RequestBody.fromString(lines.toString()));
        Map<String, String> env = fixture.environment();
        env.remove("ENCRYPTION_KEY");

        String output = captureOutput(() -> {
            try (ArchiveReplayHandler handler = new ArchiveReplayHandler(env)) {
                handler.handleRequest(S3Events.objectCreated(bucket, "replay/marked.jsonl", 1), null);
            }
        });

        String report = s3.getObjectAsBytes(r -> r.bucket(bucket).key("replay/marked.jsonl.report.json")).asUtf8String();
        assertTrue(report.contains("\"failed\" : 10"), report);
        assertFalse(report.contains(MARKER), report);
        assertFalse(output.contains(MARKER), output);
    }

    @Test
    void aFraudUploadsValidationFailuresAndLogsHoldNoContentOfTheFile() {
        String bucket = "uploads-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(r -> r.bucket(bucket));
        String csv = "timestamp,idp_event_id,fid_code,contra_indicators,contra_score,request_id,client_ip_address,pid\r\n"
                + MARKER + ",ev-1,FID01,A01,5,req-1,192.0.2.1,pid-1\r\n"
                + "2018-07-01 12:00,ev-2,FID01,A01," + MARKER + ",req-2,192.0.2.2,pid-2\r\n"
                + "2018-07-01 12:00,ev-3,FID01,A01,5,req-3,192.0.2.3,\"" + MARKER + "\r\n";
        s3.putObject(r -> r.bucket(bucket).key("upload/marked.csv"), RequestBody.fromString(csv));
        s3.putObjectTagging(r -> r.bucket(bucket).key("upload/marked.csv").tagging(t -> t.tagSet(
                Tag.builder().key("idp").value("https://idp.example").build(),
                Tag.builder().key("username").value("alice").build(),
                Tag.builder().key("timezone").value(MARKER).build(),
                Tag.builder().key("has_header").value(MARKER).build())));

        String output = captureOutput(() -> {
            try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
                handler.handleRequest(S3Events.objectCreated(bucket, "upload/marked.csv", 1), null);
            }
        });

        List<Map<String, Object>> failures = fixture.tables.query(
                "SELECT row, field, message FROM idp_data.upload_session_validation_failures");
        assertTrue(failures.size() >= 2, failures.toString());
        assertFalse(failures.toString().contains(MARKER), failures.toString());
        assertFalse(output.contains(MARKER), output);
    }

    @Test
    void theOneDocumentedExceptionLogDecryptedEventsDoesPrintTheContent() {
        TestQueue queue = TestQueue.standard(sqs);
        queue.send(fixture.encrypt(EventBuilder.otherSession().detail("client_ip", MARKER)));
        Map<String, String> env = fixture.environment();
        env.put("LOG_DECRYPTED_EVENTS", "true");

        String output = captureOutput(() -> {
            try (SqsEventHandler handler = new SqsEventHandler(env)) {
                new EventSourceMapping(sqs, queue, handler).pollOnce();
            }
        });

        assertTrue(output.contains(MARKER), "the capture sees what the recorder prints: " + output);
    }

    /** Everything the recorder prints, to standard output (Lambda's log) and standard error. */
    static String captureOutput(Runnable action) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        try {
            action.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
