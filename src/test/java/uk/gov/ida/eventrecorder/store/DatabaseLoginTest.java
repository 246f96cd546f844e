package uk.gov.ida.eventrecorder.store;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.zaxxer.hikari.HikariCredentialsProvider;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsUtilities;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.lambda.SqsEventHandler;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.PasswordCheckingPostgres;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestQueue;
import uk.gov.ida.eventrecorder.testing.TestServers;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three ways to log in, against a server that checks passwords and SSL. */
class DatabaseLoginTest {
    private static final String PASSWORD = "correct horse battery staple " + Long.toHexString(System.nanoTime());
    private static PasswordCheckingPostgres server;
    private static Tables tables;
    private static final List<AutoCloseable> toClose = new ArrayList<>();
    private final RecorderFixture fixture = new RecorderFixture();

    @BeforeAll
    static void startServer() throws Exception {
        server = new PasswordCheckingPostgres(PASSWORD);
        tables = server.tables(toClose);
    }

    @AfterAll
    static void stopServer() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        server.close();
    }

    @Test
    void logsInWithThePasswordDecryptedFromKmsAndRecordsAsAnInsertOnlyRole() {
        Map<String, String> env = environment("recorder");
        env.put("ENCRYPTED_DATABASE_PASSWORD", fixture.servers.kms().encryptToBase64(PASSWORD.getBytes(StandardCharsets.UTF_8)));
        EventBuilder billing = EventBuilder.billing();

        Set<String> failed = recordOne(env, billing);

        assertEquals(Set.of(), failed);
        assertEquals(1, tables.audit(billing.eventId()).size());
        assertEquals(1, tables.billing(billing.eventId()).size());
    }

    @Test
    void aWrongPasswordFailsTheBatchForRetryWithoutPrintingThePassword() {
        String wrong = "wrong-password-" + Long.toHexString(System.nanoTime());
        Map<String, String> env = environment("recorder");
        env.put("ENCRYPTED_DATABASE_PASSWORD", fixture.servers.kms().encryptToBase64(wrong.getBytes(StandardCharsets.UTF_8)));
        EventBuilder event = EventBuilder.otherSession();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Set<String> failed;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            failed = recordOne(env, event);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);

        assertEquals(1, failed.size());
        assertEquals(List.of(), tables.audit(event.eventId()));
        assertTrue(output.contains("database unavailable"), output);
        assertFalse(output.contains(wrong), "the password must not be logged");
        assertFalse(output.contains(PASSWORD));
    }

    @Test
    void theIamPathRecordsOverSslWhichItRequiresByDefault() {
        EventBuilder fraud = EventBuilder.fraud();

        Set<String> failed = recordOne(environment("iam_user"), fraud);

        // The server admits iam_user only over SSL (hostssl), so a recorded row proves the connection was encrypted.
        assertEquals(Set.of(), failed);
        assertEquals(1, tables.fraud(fraud.eventId()).size());
    }

    @Test
    void signsAFreshWellFormedIamTokenForEveryNewPhysicalConnection() throws Exception {
        DatabaseConfig config = DatabaseConfig.fromEnvironment(environment("iam_user"));
        RdsIamCredentials real = new RdsIamCredentials(RdsUtilities.builder()
                .credentialsProvider(software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider.builder().build())
                .region(software.amazon.awssdk.regions.Region.of(TestServers.REGION)).build(),
                "127.0.0.1", server.port(), "iam_user");
        List<String> tokens = new CopyOnWriteArrayList<>();
        int tokensBeforeEviction;
        HikariCredentialsProvider observed = () -> {
            Credentials credentials = real.getCredentials();
            tokens.add(credentials.getPassword());
            return credentials;
        };
        try (HikariDataSource pool = ConnectionPool.open(config.settings(), observed, true,
                config.connectTimeout(), config.socketTimeout(), "iam-test", 1)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                rs.next();
                assertTrue(rs.getBoolean(1), "connected over SSL");
            }
            tokensBeforeEviction = tokens.size();
            // HikariCP asks once when it sets up its DataSource, then once for each physical connection.
            assertEquals(pool.getHikariPoolMXBean().getTotalConnections() + 1, tokensBeforeEviction,
                    "one token per physical connection");
            pool.getHikariPoolMXBean().softEvictConnections();
            Thread.sleep(1100); // a new second, so a fresh signature differs
            try (Connection c = pool.getConnection()) {
                assertTrue(c.isValid(1));
            }
        }

        assertTrue(tokens.size() > tokensBeforeEviction, "the replacement connection asked for a new token");
        assertFalse(tokens.get(0).equals(tokens.get(tokens.size() - 1)), "each connection gets a freshly signed token");
        for (String token : tokens) {
            assertTrue(token.startsWith("127.0.0.1:" + server.port() + "/?"), token.replaceAll("Signature=.*", ""));
            Map<String, String> query = query(token.substring(token.indexOf('?') + 1));
            assertEquals("connect", query.get("Action"));
            assertEquals("iam_user", query.get("DBUser"));
            assertEquals("AWS4-HMAC-SHA256", query.get("X-Amz-Algorithm"));
            assertEquals("900", query.get("X-Amz-Expires"));
            assertTrue(query.get("X-Amz-Credential").endsWith("/" + TestServers.REGION + "/rds-db/aws4_request"));
            assertTrue(query.get("X-Amz-Signature").matches("[0-9a-f]{64}"));
        }
    }

    private Set<String> recordOne(Map<String, String> env, EventBuilder event) {
        try (SqsClient sqs = fixture.servers.sqsClient(); SqsEventHandler handler = new SqsEventHandler(env)) {
            TestQueue queue = TestQueue.standard(sqs);
            queue.send(fixture.encrypt(event));
            SQSBatchResponse response = new EventSourceMapping(sqs, queue, handler).pollOnce();
            return response.getBatchItemFailures().stream()
                    .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet());
        }
    }

    private Map<String, String> environment(String user) {
        Map<String, String> env = fixture.environment();
        env.put("DB_CONNECTION_STRING", "host=127.0.0.1 port=" + server.port() + " dbname="
                + PasswordCheckingPostgres.DATABASE + " user=" + user);
        return env;
    }

    private static Map<String, String> query(String query) {
        Map<String, String> values = new HashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            values.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }
}
