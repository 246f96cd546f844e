package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.JavaCommand;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged artifact is complete: each handler the template names runs in a fresh JVM whose class path is the
 * artifact alone, configured only through its environment, against the local PostgreSQL, ElasticMQ and KMS double.
 */
class ArtifactIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ARTIFACT = Path.of(System.getProperty("artifact.path", "target/event-recorder-lambda.jar"));
    /** src/test/artifact/InvokeHandler.java, compiled into a jar: {@link #invoker()}. */
    private static Path invoker;
    private final RecorderFixture fixture = new RecorderFixture();
    private final Template template = new Template();

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
    }

    @Test
    void theArtifactHoldsEveryHandlerTheTemplateNamesAndNoneOfTheTestServers() throws IOException {
        assertTrue(Files.size(ARTIFACT) < 24L * 1024 * 1024, "the artifact's budget is 24 MB");
        try (ZipFile zip = new ZipFile(ARTIFACT.toFile())) {
            for (JsonNode function : template.functions().values()) {
                String entry = Template.handlerClass(function).replace('.', '/') + ".class";
                // The export function ships in its own artifact (ExportArtifactIT); every other in this one.
                boolean ownArtifact = function.path("Properties").path("CodeUri").asText()
                        .equals("target/event-recorder-export.jar");
                assertEquals(!ownArtifact, zip.getEntry(entry) != null, (ownArtifact ? "the artifact has "
                        : "the artifact lacks ") + entry);
            }
            assertNull(zip.getEntry("org/elasticmq/rest/sqs/SQSRestServer.class"), "no emulator in the artifact");
            assertNull(zip.getEntry("com/adobe/testing/s3mock/S3MockApplication.class"));
            assertNull(zip.getEntry("uk/gov/ida/eventrecorder/testing/KmsDouble.class"));
            assertTrue(zip.getEntry("db/migration/V1__audit_and_billing_schema.sql") != null, "migrations ship too");
        }
    }

    @Test
    void everyNativeLibraryInTheArtifactHasAnArm64BuildForTheDefaultArchitecture() throws IOException {
        assertEquals("arm64", template.root.path("Parameters").path("Architecture").path("Default").asText());
        System.out.println("native libraries in the artifact: " + NativeLibraries.in(ARTIFACT));
        assertEquals(List.of(), NativeLibraries.withoutArm64Build(ARTIFACT),
                "native code with no aarch64 build cannot run on the arm64 functions");
    }

    @Test
    void theEventSourceHandlerRunsFromTheArtifactAloneAndReportsOnlyTheBadMessage() throws Exception {
        String handler = handlerOf("RecordEventsFunction");
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            EventBuilder billing = EventBuilder.billing();
            EventBuilder fraud = EventBuilder.fraud();
            queue.send(fixture.encrypt(billing));
            queue.send(fixture.encrypt(fraud));
            String bad = queue.send("garbage");
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)).messages();
            assertEquals(3, messages.size());
            // The event as Lambda's SQS integration writes it (Records, eventSourceARN, …).
            String event = lambdaSqsEventJson(messages, queue.arn());

            JsonNode result = invokeInFreshJvm(handler, event, Map.of());

            assertEquals(1, result.get("batchItemFailures").size());
            assertEquals(bad, result.get("batchItemFailures").get(0).get("itemIdentifier").asText());
            assertEquals(1, fixture.tables.billing(billing.eventId()).size());
            assertEquals(1, fixture.tables.fraud(fraud.eventId()).size());
        }
    }

    @Test
    void theDrainHandlerRunsFromTheArtifactAloneAndEmptiesTheQueue() throws Exception {
        String handler = handlerOf("DrainEventsFunction");
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            for (int i = 0; i < 15; i++) {
                queue.send(fixture.encrypt(i % 2 == 0 ? EventBuilder.billing() : EventBuilder.errorEvent()));
            }

            JsonNode summary = invokeInFreshJvm(handler, "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}",
                    Map.of("QUEUE_URL", queue.url()));

            assertEquals(15, summary.get("recorded").asInt());
            assertEquals("empty", summary.get("stopReason").asText());
            assertEquals(15, fixture.tables.count("audit.audit_events"));
            assertEquals(0, queue.visible() + queue.inFlight());
        }
    }

    @Test
    void theArchiveReplayAndFraudUploadHandlersRunFromTheArtifactAlone() throws Exception {
        String bucket = "artifact-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        EventBuilder archived = EventBuilder.billing();
        try (var s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket(bucket));
            s3.putObject(r -> r.bucket(bucket).key("replay/a.jsonl"), software.amazon.awssdk.core.sync.RequestBody
                    .fromString("{\"document\":" + archived.json() + "}\n"));
            s3.putObject(r -> r.bucket(bucket).key("upload/f.csv"), software.amazon.awssdk.core.sync.RequestBody
                    .fromString("timestamp,id,fid,ci,score,req,ip,pid\n2018-07-01 12:00,e1,F1,A1,1,r1,192.0.2.1,p1\n"));
            s3.putObjectTagging(r -> r.bucket(bucket).key("upload/f.csv").tagging(t -> t.tagSet(
                    software.amazon.awssdk.services.s3.model.Tag.builder().key("idp").value("idp-x").build(),
                    software.amazon.awssdk.services.s3.model.Tag.builder().key("username").value("u").build())));
        }
        JsonNode replay = invokeInFreshJvm(handlerOf("ArchiveReplayFunction"), s3Event(bucket, "replay/a.jsonl"), Map.of());
        JsonNode upload = invokeInFreshJvm(handlerOf("FraudUploadFunction"), s3Event(bucket, "upload/f.csv"), Map.of());

        assertEquals(1, replay.path("replay/a.jsonl").path("recorded").asInt(), replay.toString());
        assertEquals(1, fixture.tables.billing(archived.eventId()).size());
        assertTrue(upload.path("upload/f.csv").path("passed").asBoolean(), upload.toString());
        assertEquals(1, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void theMigrateCommandInTheArtifactCreatesTheSchemaOnceAndIsANoOpTheSecondTime() throws Exception {
        String database = "migrate_it_" + Long.toHexString(System.nanoTime());
        fixture.tables.query("SELECT 1 AS one"); // the pool is up
        try (var c = fixture.database.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        try {
            Map<String, String> env = Map.of("DB_CONNECTION_STRING", fixture.database.connectionString()
                    .replace("dbname=" + fixture.database.settings().database(), "dbname=" + database));

            String first = runMain("uk.gov.ida.eventrecorder.lambda.MigrateCommand", env);
            String second = runMain("uk.gov.ida.eventrecorder.lambda.MigrateCommand", env);

            int latest = uk.gov.ida.eventrecorder.testing.Migrations.latest();
            assertTrue(first.contains(latest + " migration(s) applied, schema now at version " + latest), first);
            assertTrue(second.contains("0 migration(s) applied"), second);
            assertFalse(first.contains(fixture.database.settings().password().orElse("trust-auth-ignores-this")),
                    "the password is not printed");
        } finally {
            try (var c = fixture.database.dataSource().getConnection(); var s = c.createStatement()) {
                s.execute("DROP DATABASE " + database + " WITH (FORCE)");
            }
        }
    }

    @Test
    void thePartitionMaintenanceFromTheArtifactCreatesAMissingMonthAndReportsTheDefaultPartition() throws Exception {
        String until = String.valueOf(fixture.tables.query("SELECT audit.partitions_prepared_until() AS u")
                .get(0).get("u")); // 2027-03-01T00:00: the end of the last prepared month
        // Drop that last month, as if the maintenance had stopped before creating it.
        String lastMonth = "audit_events_" + java.time.LocalDateTime.parse(until).minusMonths(1).toString()
                .substring(0, 7).replace('-', '_');
        fixture.database.admin("DROP TABLE audit." + lastMonth,
                "INSERT INTO audit.audit_events VALUES ('artifact-far-future', '2090-06-01', 'hub', NULL, 'e', NULL)");

        JsonNode result = invokeInFreshJvm(handlerOf("PartitionMaintenanceFunction"),
                "{\"version\":\"0\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\",\"detail\":{}}",
                Map.of());

        fixture.database.admin("DELETE FROM audit.audit_events WHERE event_id = 'artifact-far-future'");
        assertEquals(1, result.path("created").asInt(), result.toString());
        assertEquals(until, result.path("preparedUntil").asText(), result.toString());
        assertEquals(1, result.path("rowsInDefaultPartition").asLong(), "the far-future event is reported");
        assertEquals(1, fixture.tables.query("SELECT 1 FROM pg_class WHERE relname = ?", lastMonth).size());
    }

    private String runMain(String mainClass, Map<String, String> env) throws IOException, InterruptedException {
        JavaCommand.Result run = JavaCommand.runMain(ARTIFACT.toString(), mainClass, env);
        assertEquals(0, run.exit(), run.output());
        return run.output();
    }

    private static String s3Event(String bucket, String key) {
        return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"eu-west-2\","
                + "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"s3SchemaVersion\":\"1.0\",\"bucket\":{\"name\":\""
                + bucket + "\",\"arn\":\"arn:aws:s3:::" + bucket + "\"},\"object\":{\"key\":\"" + key
                + "\",\"size\":1}}}]}";
    }

    private String handlerOf(String logicalId) {
        JsonNode function = template.functions().get(logicalId);
        assertTrue(function != null, logicalId + " is in template.yaml");
        return Template.handlerClass(function);
    }

    private JsonNode invokeInFreshJvm(String handlerClass, String eventJson, Map<String, String> extraEnv)
            throws IOException, InterruptedException {
        Path event = Files.createTempFile("event-", ".json");
        Files.writeString(event, eventJson);
        Map<String, String> env = new HashMap<>(fixture.processEnvironment());
        env.putAll(extraEnv);
        JavaCommand.Result run = JavaCommand.runMain(ARTIFACT + File.pathSeparator + invoker(), "InvokeHandler", env,
                handlerClass, event.toString());
        String output = run.output();
        assertEquals(0, run.exit(), output);
        assertFalse(output.contains("ClassNotFoundException") || output.contains("NoClassDefFoundError"), output);
        String result = output.lines().filter(l -> l.startsWith("RESULT=")).findFirst().orElseThrow(
                () -> new AssertionError("no result from " + handlerClass + ":\n" + output));
        return JSON.readTree(result.substring("RESULT=".length()));
    }

    /**
     * The launcher compiled once, against the artifact alone, as the JDK's source launcher ({@code java -cp ARTIFACT
     * src/test/artifact/InvokeHandler.java}) compiles it in every run: three seconds a run on a 2-core machine, most of
     * each handler's. It still runs with nothing but the artifact beside it. In a jar, since the JVM archives classes
     * (JavaCommand) only from jars.
     */
    private static synchronized Path invoker() throws IOException {
        if (invoker == null) {
            Path classes = Files.createTempDirectory("invoke-handler-");
            int exit = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), "-cp",
                    ARTIFACT.toString(), "src/test/artifact/InvokeHandler.java");
            assertEquals(0, exit, "InvokeHandler compiles against the artifact alone");
            Path jar = classes.resolve("invoke-handler.jar");
            try (var out = new JarOutputStream(Files.newOutputStream(jar)); var files = Files.list(classes)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    out.putNextEntry(new JarEntry(file.getFileName().toString()));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            invoker = jar;
        }
        return invoker;
    }

    private static String lambdaSqsEventJson(List<Message> messages, String arn) throws IOException {
        var records = JSON.createArrayNode();
        for (Message m : messages) {
            var record = records.addObject();
            record.put("messageId", m.messageId());
            record.put("receiptHandle", m.receiptHandle());
            record.put("body", m.body());
            record.putObject("attributes").put("ApproximateReceiveCount", "1");
            record.putObject("messageAttributes");
            record.put("md5OfBody", m.md5OfBody());
            record.put("eventSource", "aws:sqs");
            record.put("eventSourceARN", arn);
            record.put("awsRegion", "eu-west-2");
        }
        var root = JSON.createObjectNode();
        root.set("Records", records);
        return JSON.writeValueAsString(root);
    }

}
