package uk.gov.ida.eventrecorder.deploy;

import uk.gov.ida.eventrecorder.testing.JavaCommand;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventEncrypter;
import uk.gov.ida.eventrecorder.testing.PasswordCheckingPostgres;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's command line as an operator runs it: {@code java -jar event-recorder-lambda.jar <command>} in a
 * fresh JVM, configured by the functions' environment, against the real test servers.
 */
class OperatorCommandsIT {
    // The recorder's INSERT, as docs/deploying.md grants it: the columns its statement names, never recorded_xid.
    private static final String AUDIT_INSERT = "GRANT INSERT (event_id, time_stamp, originating_service, session_id, "
            + "event_type, details) ON audit.audit_events";
    private static final String BILLING_INSERT = "GRANT INSERT (event_id, time_stamp, session_id, "
            + "hashed_persistent_id, request_id, idp_entity_id, minimum_level_of_assurance, "
            + "provided_level_of_assurance, preferred_level_of_assurance, transaction_entity_id) "
            + "ON billing.billing_events";
    private static final String FRAUD_INSERT = "GRANT INSERT (event_id, time_stamp, session_id, hashed_persistent_id, "
            + "request_id, entity_id, fraud_event_id, fraud_indicator, transaction_entity_id) ON billing.fraud_events";

    private static final Path ARTIFACT = Path.of(System.getProperty("artifact.path", "target/event-recorder-lambda.jar"));
    private static final String PASSWORD = "doctor-" + Long.toHexString(System.nanoTime());
    /** The cluster that checks passwords and offers TLS, made once for the tests that need one: {@link #server()}. */
    private static PasswordCheckingPostgres passwordServer;
    private final RecorderFixture fixture = new RecorderFixture();

    private record Run(int exit, String output) {
    }

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
    }

    /** Its making (initdb, a CA, the migrations) cost seconds, and no test changes it. */
    private static synchronized PasswordCheckingPostgres server() throws IOException, InterruptedException {
        if (passwordServer == null) {
            passwordServer = new PasswordCheckingPostgres(PASSWORD);
        }
        return passwordServer;
    }

    @AfterAll
    static void stopServer() {
        if (passwordServer != null) {
            passwordServer.close();
        }
    }

    @Test
    void doctorPassesEveryCheckOnAHealthyDeploymentAndShowsTheKeyOnlyByItsCheckValue() throws Exception {
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            Map<String, String> env = fixture.processEnvironment();
            env.put("QUEUE_URL", queue.url());
            // The test server is on this machine: without TLS, which the doctor accepts only there.
            env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING") + " sslmode=disable");
            // Logged in as a role with exactly the recorder's privileges (docs/deploying.md, "Database privileges"), by
            // DB_USER.
            String role = "doctor_ok_" + UUID.randomUUID().toString().substring(0, 8);
            // ...in a database whose PUBLIC may not create temporary tables, as the README's administrator leaves it
            String database = fixture.database.settings().database();
            fixture.database.admin("CREATE ROLE " + role + " LOGIN", "GRANT USAGE ON SCHEMA audit, billing TO " + role,
                    AUDIT_INSERT + " TO " + role, BILLING_INSERT + " TO " + role, FRAUD_INSERT + " TO " + role,
                    "GRANT SELECT (event_id, time_stamp) ON audit.audit_events TO " + role,
                    "REVOKE TEMPORARY ON DATABASE " + database + " FROM PUBLIC");
            env.put("DB_USER", role);

            Run run;
            try {
                run = cli(env, null, "doctor");
            } finally {
                fixture.database.admin("DROP OWNED BY " + role, "DROP ROLE " + role,
                        "GRANT TEMPORARY ON DATABASE " + database + " TO PUBLIC");
            }

            System.out.println(run.output());
            assertEquals(0, run.exit(), run.output());
            for (String check : List.of("configuration", "data key", "database login", "TLS", "schema", "privileges",
                    "partitions", "default partition", "queue", "dead-letter queue")) {
                assertTrue(run.output().contains("✓ " + check + ":"), check + " in\n" + run.output());
            }
            assertTrue(run.output().contains("check value " + checkValue(fixture.dataKey)), run.output());
            assertTrue(run.output().contains("with a password"), "names the login method");
            assertNoSecret(run, env);
        }
    }

    @Test
    void doctorFailsATlsLoginThatAcceptsAnyCertificateAndPassesAVerifiedOne() throws Exception {
        PasswordCheckingPostgres server = server();
        Map<String, String> env = fixture.processEnvironment();
        String database = "host=127.0.0.1 port=" + server.port() + " dbname=" + PasswordCheckingPostgres.DATABASE
                + " user=recorder password=" + PASSWORD;
        env.put("DB_CONNECTION_STRING", database + " sslmode=require");

        Run unverified = cli(env, null, "doctor");

        assertEquals(1, unverified.exit(), unverified.output());
        assertTrue(unverified.output().contains("✗ TLS: sslmode require encrypts"), unverified.output());
        assertTrue(unverified.output().contains("give DB_CA_BUNDLE"), unverified.output());

        env.put("DB_CONNECTION_STRING", database);
        env.put("DB_CA_BUNDLE", server.caCertificate().toString());
        Run verified = cli(env, null, "doctor");

        assertTrue(verified.output().contains("✓ TLS: verify-full, TLSv1."), verified.output());
        assertFalse(verified.output().contains(PASSWORD), "no password printed");
    }

    @Test
    void doctorShowsEventsInTheDefaultPartitionAsAWarningAndPartitionsRunningOutAsAFailure() throws Exception {
        fixture.database.admin("INSERT INTO audit.audit_events VALUES ('doctor-far-future', '2090-06-01', 'hub', NULL, "
                + "'session_event', NULL)");
        String until = String.valueOf(fixture.tables.query("SELECT audit.partitions_prepared_until() AS u")
                .get(0).get("u"));
        try {
            // As the maintenance's login (the tables' owner): the partitions are its work.
            Run warned = cli(localEnvironment(), null, "doctor", "--function", "maintenance");

            assertEquals(0, warned.exit(), "recorded events are not a failure: " + warned.output());
            assertTrue(warned.output().contains("! default partition: 1 event(s) in audit.audit_events_default"),
                    warned.output());

            // The maintenance stopped long ago: only the history partition is left before the default one.
            for (var row : fixture.tables.query("SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c "
                    + "ON c.oid = i.inhrelid WHERE i.inhparent = 'audit.audit_events'::regclass "
                    + "AND c.relname ~ '^audit_events_[0-9]{4}_[0-9]{2}$'")) {
                fixture.database.admin("DROP TABLE audit." + row.get("name"));
            }
            Run failed = cli(localEnvironment(), null, "doctor", "--function", "maintenance");

            assertEquals(1, failed.exit(), failed.output());
            assertTrue(failed.output().contains("✗ partitions: audit.audit_events has monthly partitions only until"),
                    failed.output());
            assertTrue(failed.output().contains("run migrate"), failed.output());
        } finally {
            fixture.database.admin("DELETE FROM audit.audit_events WHERE event_id = 'doctor-far-future'");
            try (var c = fixture.database.dataSource().getConnection()) {
                uk.gov.ida.eventrecorder.store.AuditPartitions.prepare(c);
            }
            assertEquals(until, String.valueOf(fixture.tables.query("SELECT audit.partitions_prepared_until() AS u")
                    .get(0).get("u")), "the partitions are back for the other tests");
        }
    }

    @Test
    void doctorFailsOnADataKeyOfTheWrongLengthAndSaysWhatToCheck() throws Exception {
        Map<String, String> env = fixture.processEnvironment();
        env.put("ENCRYPTION_KEY", fixture.servers.kms().encryptToBase64(EventEncrypter.newKey(20)));

        Run run = cli(env, null, "doctor");

        assertEquals(1, run.exit());
        assertTrue(run.output().contains("✗ data key: ENCRYPTION_KEY decrypts to 20 bytes"), run.output());
        assertTrue(run.output().contains("✓ database login"), "the other checks still run");
    }

    @Test
    void doctorFailsOnAWrongPasswordWithoutPrintingIt() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        Map<String, String> env = fixture.processEnvironment();
        env.put("DB_CONNECTION_STRING", "host=127.0.0.1 port=" + server().port() + " dbname="
                + PasswordCheckingPostgres.DATABASE + " user=recorder password=" + wrong + " sslmode=disable");
        env.put("DB_CONNECT_TIMEOUT_MS", "1000");

        Run run = cli(env, null, "doctor");

        assertEquals(1, run.exit());
        assertTrue(run.output().contains("✗ database login: could not log in with a password"), run.output());
        assertTrue(run.output().contains("password authentication failed"), run.output());
        assertFalse(run.output().contains(wrong) || run.output().contains(PASSWORD), "no password printed");
    }

    @Test
    void doctorFailsALoginThatHoldsMoreThanItsFunctionUses() throws Exception {
        // The test server's administrator, as the fraud upload's login: it may do everything, which is the fault
        Map<String, String> env = fixture.processEnvironment();
        env.remove("ENCRYPTION_KEY");
        env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING") + " sslmode=disable");

        Run run = cli(env, null, "doctor", "--function", "fraud-upload");

        assertEquals(1, run.exit(), run.output());
        assertTrue(run.output().contains("holds more than the fraud-upload function uses: "), run.output());
        assertTrue(run.output().contains("USAGE ON SCHEMA audit"), run.output());
        assertTrue(run.output().contains("REVOKE "), run.output());
        assertFalse(run.output().contains("✓ data key") || run.output().contains("✗ data key"),
                "the fraud upload holds no data key: " + run.output());
    }

    @Test
    void doctorNamesAMissingPrivilegeAndTheGrantThatFixesIt() throws Exception {
        String role = "doctor_" + UUID.randomUUID().toString().substring(0, 8);
        fixture.tables.query("SELECT 1 AS one");
        fixture.database.admin("CREATE ROLE " + role + " LOGIN", "GRANT USAGE ON SCHEMA audit, billing TO " + role,
                AUDIT_INSERT + " TO " + role, BILLING_INSERT + " TO " + role,
                "GRANT SELECT (event_id, time_stamp) ON audit.audit_events TO " + role);
        try {
            Map<String, String> env = fixture.processEnvironment();
            env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING").replace(
                    "user=" + fixture.database.settings().user(), "user=" + role));

            Run run = cli(env, null, "doctor");

            assertEquals(1, run.exit());
            assertTrue(run.output().contains("✗ privileges: " + role + " lacks what the recorder function uses: "
                    + FRAUD_INSERT.substring("GRANT ".length())), run.output());
            assertTrue(run.output().contains(FRAUD_INSERT + " TO " + role), run.output());
        } finally {
            fixture.database.admin("DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }

    @Test
    void doctorFailsOnASchemaThatWasNeverMigrated() throws Exception {
        String database = "doctor_empty_" + Long.toHexString(System.nanoTime());
        fixture.database.admin("CREATE DATABASE " + database);
        try {
            Map<String, String> env = fixture.processEnvironment();
            env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING").replace(
                    "dbname=" + fixture.database.settings().database(), "dbname=" + database));

            Run run = cli(env, null, "doctor");

            assertEquals(1, run.exit());
            assertTrue(run.output().contains("✗ schema: missing audit.audit_events"), run.output());
            assertTrue(run.output().contains("migrate"), "says to run migrate");
        } finally {
            fixture.database.admin("DROP DATABASE " + database + " WITH (FORCE)");
        }
    }

    @Test
    void inspectListsEachDeadLetterWithItsVerdictPrintsNoPersonalDataAndConsumesNothing() throws Exception {
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            EventBuilder lacksPid = EventBuilder.billing().withoutDetail("pid");
            EventBuilder valid = EventBuilder.billing();
            queue.sendToDeadLetterQueue("bm90IGFuIGV2ZW50IGF0IGFsbCwganVzdCBnYXJiYWdl", null);
            queue.sendToDeadLetterQueue(fixture.encrypt(lacksPid), null);
            queue.sendToDeadLetterQueue(fixture.encrypt(valid), null);

            Run run = cli(fixture.processEnvironment(), null, "dlq", "inspect", "--queue-url", queue.deadLetterUrl());

            System.out.println(run.output());
            assertEquals(0, run.exit(), run.output());
            List<String> lines = run.output().lines().filter(l -> l.startsWith("message_id=")).toList();
            assertEquals(3, lines.size(), run.output());
            assertTrue(lines.stream().allMatch(l -> l.contains("receives=") && l.contains("first_sent=20")));
            assertTrue(lines.stream().anyMatch(l -> l.contains("verdict: would fail: length: the body decodes to 33 bytes")), run.output());
            assertTrue(lines.stream().anyMatch(l -> l.contains("event_id=" + lacksPid.eventId())
                    && l.contains("would record the audit row, then fail: incomplete billing event")
                    && l.contains("details.pid")), run.output());
            assertTrue(lines.stream().anyMatch(l -> l.contains("event_id=" + valid.eventId())
                    && l.contains("event_type=session_event") && l.contains("would record (audit + billing)")));
            for (String personal : List.of("pid", "request_id", "idp_entity_id", "session_id")) {
                String value = new com.fasterxml.jackson.databind.ObjectMapper().readTree(valid.json())
                        .path("details").path(personal).asText("");
                assertTrue(value.isEmpty() || !run.output().contains(value), personal + " is not printed");
            }
            assertFalse(run.output().contains(new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(valid.json()).path("sessionId").asText()), "the session id is not printed");
            assertEquals(3, queue.deadLettered(), "nothing consumed: all visible again");
        }
    }

    @Test
    void decryptCheckReadsABodyOnStandardInputAndPrintsTheVerdict() throws Exception {
        EventBuilder fraud = EventBuilder.fraud();

        Run good = cli(fixture.processEnvironment(), fixture.encrypt(fraud), "decrypt-check");
        Run bad = cli(fixture.processEnvironment(), fixture.encrypt(EventBuilder.errorEvent().without("eventId")),
                "decrypt-check");

        assertEquals(0, good.exit(), good.output());
        assertTrue(good.output().contains("event_id=" + fraud.eventId()) && good.output()
                .contains("would record (audit + fraud)"), good.output());
        assertEquals(1, bad.exit());
        assertTrue(bad.output().contains("would fail: missing field: the event has no 'eventId'"), bad.output());
    }

    @Test
    void dlqInspectAndDecryptCheckPrintNoContentOfTheMessagesTheyLookAt() throws Exception {
        List<String> bodies = new ArrayList<>();
        uk.gov.ida.eventrecorder.privacy.NoEventContentInOutputTest.eventsCarryingTheMarker()
                .forEach(json -> bodies.add(fixture.encrypter.encrypt(json)));
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            bodies.forEach(body -> queue.sendToDeadLetterQueue(body, null));

            Run inspect = cli(fixture.processEnvironment(), null, "dlq", "inspect", "--queue-url",
                    queue.deadLetterUrl(), "--max", "20");

            assertEquals(bodies.size(), inspect.output().lines().filter(l -> l.startsWith("message_id=")).count(),
                    inspect.output());
            assertFalse(inspect.output().contains(MARKER), inspect.output());
        }
        for (String body : bodies) {
            Run check = cli(fixture.processEnvironment(), body, "decrypt-check");
            assertTrue(check.output().contains("verdict: "), check.output());
            assertFalse(check.output().contains(MARKER), check.output());
        }
    }

    private static final String MARKER = uk.gov.ida.eventrecorder.privacy.NoEventContentInOutputTest.MARKER;

    @Test
    void aCommandWhoseDependencyFailsSaysWhichInOneLineAndExitsWithTheDependencyCode() throws Exception {
        fixture.servers.kms().outage(true);
        try {
            Run run = cli(fixture.processEnvironment(), fixture.encrypt(EventBuilder.fraud()), "decrypt-check");

            assertEquals(2, run.exit(), run.output());
            assertTrue(run.output().contains("decrypt-check: KMS failed: KMS could not decrypt ENCRYPTION_KEY"),
                    run.output());
            assertFalse(run.output().contains("\tat "), "no stack trace: " + run.output());
        } finally {
            fixture.servers.kms().outage(false);
        }
    }

    @Test
    void redriveMovesEveryMessageOfAStandardDeadLetterQueueBack() throws Exception {
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            for (int i = 0; i < 12; i++) {
                queue.send(fixture.encrypt(EventBuilder.otherSession()));
            }
            queue.deadLetterAll();
            queue.sendToDeadLetterQueue("forged", null); // sent there directly: never dead-lettered from the queue

            Run run = cli(fixture.processEnvironment(), null, "dlq", "redrive", "--from", queue.deadLetterUrl(),
                    "--to", queue.url());

            System.out.println(run.output());
            assertTrue(run.output().contains("moved 12 message(s)"), run.output());
            assertEquals(1, queue.inDeadLetterQueue(), "the forged body stays in the dead-letter queue");
            assertEquals(12, queue.visible());
            assertEquals(1, run.exit(), "not everything was moved: " + run.output());
            assertTrue(run.output().contains("1 were not dead-lettered"), run.output());
        }
    }

    @Test
    void redriveOfAFifoQueueKeepsEachGroupsOrder() throws Exception {
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.fifo(sqs);
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String body = fixture.encrypt(EventBuilder.otherSession());
                sent.add(body);
                queue.send(body, i % 2 == 0 ? "group-a" : "group-b");
            }
            queue.deadLetterAll();

            Run run = cli(fixture.processEnvironment(), null, "dlq", "redrive", "--by-copy",
                    "--from", queue.deadLetterUrl(), "--to", queue.url());

            assertEquals(0, run.exit(), run.output());
            assertTrue(run.output().contains("moved 6 message(s)"), run.output());
            assertEquals(0, queue.deadLettered());
            List<String> groupA = new ArrayList<>();
            List<String> groupB = new ArrayList<>();
            for (int round = 0; round < 10 && groupA.size() + groupB.size() < 6; round++) {
                List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                        .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)).messages();
                for (Message m : received) {
                    ("group-a".equals(m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)) ? groupA
                            : groupB).add(m.body());
                    sqs.deleteMessage(r -> r.queueUrl(queue.url()).receiptHandle(m.receiptHandle()));
                }
            }
            assertEquals(List.of(sent.get(0), sent.get(2), sent.get(4)), groupA, "group-a in order");
            assertEquals(List.of(sent.get(1), sent.get(3), sent.get(5)), groupB, "group-b in order");
        }
    }

    private Run cli(Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
        JavaCommand.Result result = JavaCommand.run(ARTIFACT, env, stdin, args);
        return new Run(result.exit(), result.output());
    }

    /** The functions' environment against this machine's test server, reached without TLS (doctor accepts that here). */
    private Map<String, String> localEnvironment() {
        Map<String, String> env = fixture.processEnvironment();
        env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING") + " sslmode=disable");
        return env;
    }

    private void assertNoSecret(Run run, Map<String, String> env) {
        assertFalse(run.output().contains(Base64.getEncoder().encodeToString(fixture.dataKey)), "no data key");
        assertFalse(run.output().contains(env.get("ENCRYPTION_KEY")), "no key ciphertext either");
        assertFalse(run.output().contains("trust-auth-ignores-this"), "no password");
        assertFalse(run.output().contains(env.get("AWS_SECRET_ACCESS_KEY")), "no AWS secret");
    }

    private static String checkValue(byte[] key) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        return HexFormat.of().withUpperCase().formatHex(cipher.doFinal(new byte[16]), 0, 3);
    }

}
