package uk.gov.ida.eventrecorder.deploy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.cli.RecorderCli;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.lambda.ArchiveReplayHandler;
import uk.gov.ida.eventrecorder.lambda.FraudUploadHandler;
import uk.gov.ida.eventrecorder.lambda.PartitionMaintenanceHandler;
import uk.gov.ida.eventrecorder.lambda.ExportHandler;
import uk.gov.ida.eventrecorder.lambda.LedgerHandler;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.lambda.SqsEventHandler;
import uk.gov.ida.eventrecorder.store.DatabaseRole;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;
import uk.gov.ida.eventrecorder.testing.EmbeddedPostgres;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The roles exactly as docs/deploying.md's "Database privileges" creates them, in a database of their own: the
 * administrator's SQL, {@code migrate} as the owner, the owner's grants. Then each role holds exactly what its
 * function uses ({@link DatabaseRole}, what {@code doctor --function} checks), and each function, run as its role,
 * does its work; a function run as another's role is refused.
 *
 * <p>On the oldest and the newest PostgreSQL RDS offers, whose defaults differ: until 14, PUBLIC may create in schema
 * public. One embedded cluster per version, its database and roles set up once for all the tests (each leaves them
 * as it found them); its roles are its own, so the machine's server, which other test runs share, never sees them.
 */
@ParameterizedClass(name = "PostgreSQL {0}")
@MethodSource("supportedMajors")
class DatabaseRolesTest {
    private static final String SUPERUSER = "postgres";
    private static final String DATABASE = "roles";
    private static EmbeddedPostgres server;

    @Parameter
    String version;

    private final RecorderFixture fixture = new RecorderFixture();
    private final List<AutoCloseable> cleanUp = new ArrayList<>();

    static Stream<String> supportedMajors() {
        return Stream.of(EmbeddedPostgres.OLDEST, EmbeddedPostgres.NEWEST);
    }

    @BeforeParameterizedClassInvocation
    static void createTheRolesAsTheDeployingGuideSays(String version) throws Exception {
        String guide = Files.readString(Path.of("docs", "deploying.md"));
        server = EmbeddedPostgres.start(version);
        try (HikariDataSource cluster = TestDatabase.open(as(SUPERUSER, "postgres"), 1)) {
            run(cluster, "CREATE DATABASE " + DATABASE);
        }
        try (HikariDataSource admin = TestDatabase.open(as(SUPERUSER), 1)) {
            run(admin, block(guide, "roles: as the administrator"));
        }
        try (HikariDataSource owner = TestDatabase.open(as(DatabaseRole.MAINTENANCE.defaultName()), 2)) {
            SchemaMigrations.apply(owner);
            run(owner, block(guide, "roles: as the owner, after migrate"));
        }
    }

    @AfterParameterizedClassInvocation
    static void stopTheServer() {
        server.close(); // its roles and database with it
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanUp.size() - 1; i >= 0; i--) {
            cleanUp.get(i).close();
        }
    }

    @Test
    void eachRoleHoldsEveryPrivilegeItsFunctionUsesAndNoneItDoesNotAsDoctorSays() throws Exception {
        for (DatabaseRole role : DatabaseRole.values()) {
            try (HikariDataSource login = TestDatabase.open(as(role.defaultName()), 1);
                 Connection c = login.getConnection()) {
                DatabaseRole.Check check = role.check(c);
                assertTrue(check.exact(), role + ": " + check);
            }
            StringWriter out = new StringWriter();
            assertEquals(0, doctor(role, out), role + ":\n" + out);
            assertTrue(out.toString().contains("✓ privileges: " + role.defaultName() + " has every privilege"),
                    out.toString());
        }
        // ...and the check can fail: the recorder's role is not the fraud upload's, nor the export's
        try (HikariDataSource login = TestDatabase.open(as(DatabaseRole.RECORDER.defaultName()), 1);
             Connection c = login.getConnection()) {
            DatabaseRole.Check asFraudUpload = DatabaseRole.FRAUD_UPLOAD.check(c);
            assertTrue(asFraudUpload.missing().contains(FRAUD_EVENTS_INSERT), asFraudUpload.toString());
            assertTrue(asFraudUpload.excess().contains("USAGE ON SCHEMA audit"), asFraudUpload.toString());
            assertTrue(DatabaseRole.EXPORT.check(c).excess().contains("INSERT (event_id) ON audit.audit_events"));
        }
    }

    @Test
    void eachFunctionDoesItsWorkAsItsOwnRole() throws Exception {
        Tables tables = tables();
        // The queue: a batch with a billing and a fraud event, one of them redelivered
        try (SqsClient sqs = fixture.servers.sqsClient();
             SqsEventHandler handler = new SqsEventHandler(environment(DatabaseRole.RECORDER))) {
            TestQueue queue = TestQueue.standard(sqs, 5, 30);
            EventBuilder billing = EventBuilder.billing();
            EventBuilder fraud = EventBuilder.fraud();
            queue.send(fixture.encrypt(billing));
            queue.send(fixture.encrypt(fraud));
            queue.send(fixture.encrypt(billing));
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            for (SQSBatchResponse response : mapping.pollUntilEmpty()) {
                assertEquals(List.of(), response.getBatchItemFailures());
            }
            assertEquals(1, tables.billing(billing.eventId()).size());
            assertEquals(1, tables.fraud(fraud.eventId()).size());
            assertEquals(2, tables.count("audit.audit_events"));
        }
        try (S3Client s3 = fixture.servers.s3Client()) {
            String bucket = "roles-" + UUID.randomUUID().toString().substring(0, 8);
            s3.createBucket(r -> r.bucket(bucket));
            // The replay
            EventBuilder replayed = EventBuilder.otherSession();
            s3.putObject(r -> r.bucket(bucket).key("replay/a.jsonl"),
                    RequestBody.fromString("{\"document\":" + replayed.json() + "}\n"));
            try (ArchiveReplayHandler handler = new ArchiveReplayHandler(environment(DatabaseRole.REPLAY))) {
                Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, "replay/a.jsonl", 1),
                        null);
                assertEquals(1L, ((Map<?, ?>) result.get("replay/a.jsonl")).get("recorded"), result.toString());
            }
            assertEquals(1, tables.audit(replayed.eventId()).size());
            // The fraud upload, and the recorder's role refused the same work
            String key = "upload/idp-a/roles.csv";
            var put = s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString("timestamp,idp_event_id,"
                    + "fid_code,contra_indicators,contra_score,request_id,client_ip_address,pid\r\n"
                    + "2018-07-01 12:00,ev-1,FID01,\"A01,A01\",5,req-1,192.0.2.1,pid-1\r\n"));
            s3.putObjectTagging(r -> r.bucket(bucket).key(key).tagging(t -> t.tagSet(
                    Tag.builder().key("idp").value("idp-a").build(), Tag.builder().key("username").value("u").build())));
            var notification = S3Events.objectCreated(bucket, key, 1, put);
            try (FraudUploadHandler wrongRole = new FraudUploadHandler(environment(DatabaseRole.RECORDER))) {
                DependencyException refused = assertThrows(DependencyException.class,
                        () -> wrongRole.handleRequest(notification, null));
                assertTrue(refused.getMessage().contains("42501"), refused.getMessage());
            }
            try (FraudUploadHandler handler = new FraudUploadHandler(environment(DatabaseRole.FRAUD_UPLOAD))) {
                Map<String, Object> result = handler.handleRequest(notification, null);
                assertEquals(true, ((Map<?, ?>) result.get(key)).get("passed"), result.toString());
                Map<String, Object> again = handler.handleRequest(notification, null);
                assertEquals(true, ((Map<?, ?>) again.get(key)).get("duplicate"), again.toString());
            }
            assertEquals(1, tables.count("idp_data.idp_fraud_events"));
            assertEquals(2L, ((Number) tables.query("SELECT count FROM idp_data.idp_fraud_event_contraindicators")
                    .get(0).get("count")).longValue());
        }
        // The maintenance, as the owner
        try (PartitionMaintenanceHandler handler = new PartitionMaintenanceHandler(
                environment(DatabaseRole.MAINTENANCE))) {
            Map<String, Object> result = handler.handleRequest(Map.of(), null);
            assertEquals(0L, result.get("rowsInDefaultPartition"), result.toString());
        }
        // The export, read-only: today's rows of every table, to moto's S3, signed by moto's KMS
        uk.gov.ida.eventrecorder.testing.Moto moto = uk.gov.ida.eventrecorder.testing.Moto.get();
        try (S3Client s3 = moto.s3(); software.amazon.awssdk.services.kms.KmsClient kms = moto.kms()) {
            Map<String, String> env = environment(DatabaseRole.EXPORT);
            env.put("EXPORT_BUCKET", moto.lockedBucket(s3, 1));
            env.put("EXPORT_SIGNING_KEY_ID", moto.signingKey(kms));
            // The queue's events are dated 2018-02-10 (EventBuilder), the fraud upload's 2018-07-01
            for (String[] run : new String[][]{{"2018-02-10", "2"}, {"2018-07-01", "2"}}) {
                java.time.LocalDate start = java.time.LocalDate.parse(run[0]);
                env.put("EXPORT_START_DATE", run[0]);
                try (ExportHandler handler = new ExportHandler(env, s3, kms, java.time.Clock.fixed(start.plusDays(
                        2).atStartOfDay().toInstant(java.time.ZoneOffset.UTC), java.time.ZoneOffset.UTC))) {
                    Map<String, Object> result = handler.handleRequest(Map.of(), LambdaContext.withTimeout(900_000));
                    assertEquals(true, result.get("complete"), result.toString());
                    assertTrue((Long) result.get("rows") >= Long.parseLong(run[1]), result.toString());
                }
            }
            // The ledger: its genesis, then a session the fraud upload's role finishes again (an UPDATE its role
            // may make, noted by the tables' trigger as their owner) and a fraud event recorded as the recorder's
            // role, each a leaf of the next checkpoint, signed by moto's KMS
            Map<String, String> ledgerEnv = environment(DatabaseRole.LEDGER);
            ledgerEnv.put("EXPORT_BUCKET", env.get("EXPORT_BUCKET"));
            ledgerEnv.put("EXPORT_SIGNING_KEY_ID", env.get("EXPORT_SIGNING_KEY_ID"));
            try (LedgerHandler handler = new LedgerHandler(ledgerEnv, s3, kms, java.time.Clock.systemUTC())) {
                assertTrue(ledger(handler).contains("\"outcome\":\"CHECKPOINTED\",\"sequence\":0"));
                try (HikariDataSource fraudUpload = TestDatabase.open(as(DatabaseRole.FRAUD_UPLOAD.defaultName()), 1)) {
                    run(fraudUpload, "UPDATE idp_data.upload_sessions SET finished_at = finished_at");
                }
                try (SqsClient sqs = fixture.servers.sqsClient();
                     SqsEventHandler recorder = new SqsEventHandler(environment(DatabaseRole.RECORDER))) {
                    TestQueue queue = TestQueue.standard(sqs, 5, 30);
                    queue.send(fixture.encrypt(EventBuilder.fraud()));
                    new EventSourceMapping(sqs, queue, recorder).pollUntilEmpty();
                }
                String second = ledger(handler);
                assertTrue(second.contains("\"sequence\":1,\"treeSize\":3,\"newLeaves\":3"), second);
                assertTrue(second.contains("\"warnings\":[]"), second);
            }
        }
    }

    private static String ledger(LedgerHandler handler) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        handler.handleRequest(new java.io.ByteArrayInputStream("{\"source\":\"aws.events\"}".getBytes()), out,
                LambdaContext.withTimeout(60_000));
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void noRoleCanCreateATemporaryTableAndNoFunctionsRoleATableInPublic() throws Exception {
        for (DatabaseRole role : DatabaseRole.values()) {
            try (HikariDataSource login = TestDatabase.open(as(role.defaultName()), 1);
                 Connection c = login.getConnection(); Statement s = c.createStatement()) {
                assertRefused(s, "CREATE TEMPORARY TABLE staged (line text)", role);
                if (role != DatabaseRole.MAINTENANCE) {
                    assertRefused(s, "CREATE TABLE public.staged (line text)", role);
                }
            }
        }
    }

    @Test
    void theFraudUploadsRoleMayUpdateOnlyTheColumnsItsImportSets() throws Exception {
        try (HikariDataSource login = TestDatabase.open(as(DatabaseRole.FRAUD_UPLOAD.defaultName()), 1);
             Connection c = login.getConnection(); Statement s = c.createStatement()) {
            for (String column : List.of("source_file_name", "idp_entity_id", "userid", "source_object",
                    "time_stamp")) {
                assertRefused(s, "UPDATE idp_data.upload_sessions SET " + column + " = " + column + " WHERE false",
                        DatabaseRole.FRAUD_UPLOAD);
            }
            // The privileges are checked as the statement starts, whatever rows it would reach.
            s.execute("UPDATE idp_data.upload_sessions SET passed_validation = true, finished_at = now() WHERE false");
            s.execute("SELECT finished_at FROM idp_data.upload_sessions WHERE false FOR UPDATE"); // the import's lock
        }
    }

    /**
     * The export finds the rows recorded since its previous run by {@code recorded_xid}, which the column's DEFAULT
     * fills with the inserting transaction (V9). A role that may INSERT that column could date a row on a day already
     * exported and give it an xid (1, NULL) the next run never asks for. Each function's role may INSERT only the
     * columns its statements name (<a href="https://www.postgresql.org/docs/current/sql-grant.html">GRANT</a>,
     * column privileges; <a href="https://www.postgresql.org/docs/current/sql-insert.html">INSERT</a>, Description: a
     * column left out is filled by its default), so the DEFAULT always applies. Privileges are checked as a statement
     * starts, so an INSERT … SELECT … WHERE false asks the question and writes nothing.
     */
    @Test
    void noFunctionsRoleCanInsertARowNamingRecordedXidWhileItsOwnStatementsStillWork() throws Exception {
        Map<DatabaseRole, Map<String, List<String>>> statements = Map.of(
                DatabaseRole.RECORDER, RECORDING_INSERTS, DatabaseRole.REPLAY, RECORDING_INSERTS,
                DatabaseRole.FRAUD_UPLOAD, FRAUD_UPLOAD_INSERTS);
        for (var role : statements.entrySet()) {
            try (HikariDataSource login = TestDatabase.open(as(role.getKey().defaultName()), 1);
                 Connection c = login.getConnection(); Statement s = c.createStatement()) {
                for (var table : role.getValue().entrySet()) {
                    List<String> columns = table.getValue();
                    s.execute(insertNothing(table.getKey(), columns)); // what its function's statement names
                    List<String> withXid = new ArrayList<>(columns);
                    withXid.add("recorded_xid");
                    assertRefused(s, insertNothing(table.getKey(), withXid), role.getKey());
                    assertRefused(s, insertNothing(table.getKey(), List.of("recorded_xid")), role.getKey());
                }
            }
        }
        // Each function's own statements, run as its role with real rows: eachFunctionDoesItsWorkAsItsOwnRole.
    }

    private static final String FRAUD_EVENTS_INSERT = "INSERT (idp_entity_id, idp_event_id, time_stamp, fid_code, "
            + "request_id, pid, client_ip_address, contra_score, upload_session_id) ON idp_data.idp_fraud_events";

    /** The columns EventRepository's statement names, by table. */
    private static final Map<String, List<String>> RECORDING_INSERTS = Map.of(
            "audit.audit_events", List.of("event_id", "time_stamp", "originating_service", "session_id", "event_type",
                    "details"),
            "billing.billing_events", List.of("event_id", "time_stamp", "session_id", "hashed_persistent_id",
                    "request_id", "idp_entity_id", "minimum_level_of_assurance", "provided_level_of_assurance",
                    "preferred_level_of_assurance", "transaction_entity_id"),
            "billing.fraud_events", List.of("event_id", "time_stamp", "session_id", "hashed_persistent_id",
                    "request_id", "entity_id", "fraud_event_id", "fraud_indicator", "transaction_entity_id"));

    /** The columns FraudUploadRepository's statements name, by table. */
    private static final Map<String, List<String>> FRAUD_UPLOAD_INSERTS = Map.of(
            "idp_data.upload_sessions", List.of("time_stamp", "source_file_name", "idp_entity_id", "userid",
                    "passed_validation", "source_object"),
            "idp_data.upload_session_validation_failures", List.of("upload_session_id", "row", "field", "message"),
            "idp_data.idp_fraud_events", List.of("idp_entity_id", "idp_event_id", "time_stamp", "fid_code",
                    "request_id", "pid", "client_ip_address", "contra_score", "upload_session_id"),
            "idp_data.idp_fraud_event_contraindicators", List.of("idp_fraud_events_id", "contraindicator_code",
                    "count"));

    private static String insertNothing(String table, List<String> columns) {
        return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") SELECT "
                + String.join(", ", columns.stream().map(c -> "NULL").toList()) + " WHERE false";
    }

    @Test
    void doctorFailsWhatPublicOrARoleHoldsBeyondItsFunctionWithTheStatementsThatMendIt() throws Exception {
        // Given what the roles' SQL used to leave: PUBLIC's defaults of PostgreSQL 13 and 14 (CREATE on public,
        // TEMPORARY), and UPDATE of every column of the sessions for the fraud upload; and the export given UPDATE of
        // one column, the fraud upload not given one of its INSERTs
        try (HikariDataSource admin = TestDatabase.open(as(SUPERUSER), 1)) {
            run(admin, "GRANT CREATE ON SCHEMA public TO PUBLIC; GRANT TEMPORARY ON DATABASE " + DATABASE
                    + " TO PUBLIC");
        }
        String fraud = DatabaseRole.FRAUD_UPLOAD.defaultName();
        String export = DatabaseRole.EXPORT.defaultName();
        try (HikariDataSource owner = TestDatabase.open(as(DatabaseRole.MAINTENANCE.defaultName()), 1)) {
            run(owner, "GRANT UPDATE ON idp_data.upload_sessions TO " + fraud
                    + "; REVOKE INSERT ON idp_data.idp_fraud_events FROM " + fraud
                    + "; GRANT UPDATE (userid) ON idp_data.upload_sessions TO " + export);
        }

        // When doctor checks the fraud upload's and the export's logins
        StringWriter fraudOut = new StringWriter();
        StringWriter exportOut = new StringWriter();
        int fraudExit = doctor(DatabaseRole.FRAUD_UPLOAD, fraudOut);
        int exportExit = doctor(DatabaseRole.EXPORT, exportOut);

        // Then each fails, with the REVOKE (from PUBLIC, where PUBLIC holds it) and the GRANT that mend it
        assertEquals(1, fraudExit, fraudOut.toString());
        for (String statement : List.of("as the administrator: REVOKE TEMPORARY ON DATABASE " + DATABASE
                        + " FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
                "REVOKE UPDATE ON idp_data.upload_sessions FROM " + fraud + "; GRANT UPDATE (passed_validation, "
                        + "finished_at) ON idp_data.upload_sessions TO " + fraud + ";",
                "as the schema owner: GRANT " + FRAUD_EVENTS_INSERT + " TO " + fraud + ";")) {
            assertTrue(fraudOut.toString().contains(statement), statement + " in\n" + fraudOut);
        }
        assertEquals(1, exportExit, exportOut.toString());
        assertTrue(exportOut.toString().contains("REVOKE UPDATE (userid) ON idp_data.upload_sessions FROM " + export
                + ";"), exportOut.toString());

        // And those statements, run by whom doctor says, make both exact again
        for (DatabaseRole role : List.of(DatabaseRole.FRAUD_UPLOAD, DatabaseRole.EXPORT)) {
            List<DatabaseRole.Fix> fixes = new ArrayList<>();
            try (HikariDataSource login = TestDatabase.open(as(role.defaultName()), 1);
                 Connection c = login.getConnection()) {
                DatabaseRole.Check check = role.check(c);
                fixes.addAll(check.granting());
                fixes.addAll(check.revoking());
            }
            for (DatabaseRole.Fix fix : fixes) {
                try (HikariDataSource by = TestDatabase.open(as(fix.runBy().equals("the administrator") ? SUPERUSER
                        : DatabaseRole.MAINTENANCE.defaultName()), 1)) {
                    run(by, fix.sql());
                }
            }
            StringWriter again = new StringWriter();
            assertEquals(0, doctor(role, again), again.toString());
        }
    }

    @Test
    void doctorFailsAFunctionsLoginThatMayInsertRecordedXidWithTheRevokeAndGrantThatMendIt() throws Exception {
        // Given the roles' SQL of before: the recorder's INSERT on a whole table; and the replay given INSERT of
        // recorded_xid by the column
        String recorder = DatabaseRole.RECORDER.defaultName();
        String replay = DatabaseRole.REPLAY.defaultName();
        try (HikariDataSource owner = TestDatabase.open(as(DatabaseRole.MAINTENANCE.defaultName()), 1)) {
            run(owner, "GRANT INSERT ON billing.billing_events TO " + recorder
                    + "; GRANT INSERT (recorded_xid) ON audit.audit_events TO " + replay);
        }

        // When doctor checks both logins
        StringWriter recorderOut = new StringWriter();
        StringWriter replayOut = new StringWriter();
        int recorderExit = doctor(DatabaseRole.RECORDER, recorderOut);
        int replayExit = doctor(DatabaseRole.REPLAY, replayOut);

        // Then each fails: the whole table's INSERT revoked and its columns granted again (revoking a table's
        // privilege revokes its columns' too), the one column revoked
        assertEquals(1, recorderExit, recorderOut.toString());
        assertTrue(recorderOut.toString().contains("holds more than the recorder function uses: INSERT ON "
                + "billing.billing_events"), recorderOut.toString());
        assertTrue(recorderOut.toString().contains("REVOKE INSERT ON billing.billing_events FROM " + recorder
                + "; GRANT INSERT (" + String.join(", ", RECORDING_INSERTS.get("billing.billing_events"))
                + ") ON billing.billing_events TO " + recorder + ";"), recorderOut.toString());
        assertEquals(1, replayExit, replayOut.toString());
        assertTrue(replayOut.toString().contains("REVOKE INSERT (recorded_xid) ON audit.audit_events FROM " + replay
                + ";"), replayOut.toString());

        // And those statements make both exact again, and neither may name recorded_xid
        for (DatabaseRole role : List.of(DatabaseRole.RECORDER, DatabaseRole.REPLAY)) {
            try (HikariDataSource login = TestDatabase.open(as(role.defaultName()), 1);
                 Connection c = login.getConnection()) {
                for (DatabaseRole.Fix fix : role.check(c).revoking()) {
                    try (HikariDataSource owner = TestDatabase.open(as(DatabaseRole.MAINTENANCE.defaultName()), 1)) {
                        run(owner, fix.sql());
                    }
                }
                try (Statement s = c.createStatement()) {
                    for (String table : RECORDING_INSERTS.keySet()) {
                        assertRefused(s, insertNothing(table, List.of("recorded_xid")), role);
                    }
                }
            }
            StringWriter again = new StringWriter();
            assertEquals(0, doctor(role, again), again.toString());
        }
    }

    private int doctor(DatabaseRole role, StringWriter out) {
        return RecorderCli.doctor(environment(role), new PrintWriter(out, true), "--function", role.functionName());
    }

    private static void assertRefused(Statement s, String sql, DatabaseRole role) {
        SQLException refused = assertThrows(SQLException.class, () -> s.execute(sql), role + ": " + sql);
        assertEquals("42501", refused.getSQLState(), role + ": " + sql + ": " + refused.getMessage());
    }

    private Tables tables() {
        HikariDataSource admin = TestDatabase.open(as(SUPERUSER), 1);
        cleanUp.add(admin);
        return new Tables(admin);
    }

    /** The function's environment, in the roles' database, logging in as its role by {@code DB_USER}. */
    private Map<String, String> environment(DatabaseRole role) {
        Map<String, String> env = fixture.environment();
        // The embedded cluster trusts local logins; a password keeps the function off the IAM path.
        env.put("DB_CONNECTION_STRING", "host=127.0.0.1 port=" + server.port() + " dbname=" + DATABASE
                + " user=" + role.defaultName() + " password=trust-auth-ignores-this");
        env.put("DB_USER", role.defaultName());
        env.put("METRICS_NAMESPACE", "EventRecorderTest");
        return env;
    }

    private static DatabaseSettings as(String user) {
        return as(user, DATABASE);
    }

    private static DatabaseSettings as(String user, String database) {
        return new DatabaseSettings("127.0.0.1", server.port(), database, user, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** The SQL block that follows {@code <!-- marker -->} in the deploying guide. */
    private static String block(String guide, String marker) {
        Matcher m = Pattern.compile(Pattern.quote("<!-- " + marker + " -->") + "\\s*```sql\\n(.*?)```",
                Pattern.DOTALL).matcher(guide);
        assertTrue(m.find(), "docs/deploying.md has the block " + marker);
        return m.group(1);
    }

    private static void run(HikariDataSource db, String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
