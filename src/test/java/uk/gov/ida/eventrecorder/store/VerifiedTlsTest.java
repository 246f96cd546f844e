package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.testing.PasswordCheckingPostgres;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Verified TLS to the database: with a CA bundle ({@code DB_CA_BUNDLE}) the recorder connects with
 * {@code verify-full}, so a server that cannot show a certificate from that CA naming the host connected to is
 * refused before any login is sent (an IAM token would otherwise be captured by whoever answers on the address).
 * Against a throwaway cluster with a CA of its own, as RDS has.
 */
class VerifiedTlsTest {
    private static final String PASSWORD = "tls-" + Long.toHexString(System.nanoTime());
    private static PasswordCheckingPostgres server;
    private final RecorderFixture fixture = new RecorderFixture();

    @BeforeAll
    static void startServer() throws Exception {
        server = new PasswordCheckingPostgres(PASSWORD);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void backToTheRightCertificate() throws Exception {
        server.presentCertificateFor("IP:127.0.0.1");
    }

    private Map<String, String> environment(String extra) {
        Map<String, String> env = fixture.environment();
        env.put("DB_CONNECTION_STRING", "host=127.0.0.1 port=" + server.port() + " dbname="
                + PasswordCheckingPostgres.DATABASE + " user=recorder password=" + PASSWORD + extra);
        return env;
    }

    @Test
    void withTheClustersCaTheLoginIsVerifyFullAndEncrypted() throws Exception {
        Map<String, String> env = environment("");
        env.put("DB_CA_BUNDLE", server.caCertificate().toString());
        DatabaseConfig config = DatabaseConfig.fromEnvironment(env);

        assertEquals("verify-full", config.sslMode().orElseThrow(), "the default when a bundle is given");
        try (HikariDataSource pool = DatabaseLogin.open(config, () -> null, "tls", 1)) {
            assertTrue(ssl(pool), "connected over TLS");
        }
    }

    @Test
    void aServerWhoseCertificateNamesAnotherHostIsRefused() throws Exception {
        server.presentCertificateFor("DNS:db.elsewhere.example"); // signed by the right CA, for another name
        Map<String, String> env = environment("");
        env.put("DB_CA_BUNDLE", server.caCertificate().toString());

        SQLException refused = assertThrows(SQLException.class, () -> login(env));
        assertTrue(String.valueOf(refused.getMessage()).toLowerCase().contains("hostname")
                || String.valueOf(refused.getCause()).toLowerCase().contains("hostname"), refused.toString());

        // What sslmode=require would have done: encrypt, and believe anybody.
        try (HikariDataSource pool = DatabaseLogin.open(DatabaseConfig.fromEnvironment(environment(" sslmode=require")),
                () -> null, "tls-require", 1)) {
            assertTrue(ssl(pool), "require accepted the wrong server");
        }
    }

    @Test
    void aServerWhoseCertificateIsNotFromTheBundlesCaIsRefused() throws Exception {
        Path otherCa = Files.createTempFile("other-ca", ".pem");
        new ProcessBuilder("openssl", "req", "-new", "-x509", "-days", "1", "-nodes", "-subj", "/CN=another CA",
                "-out", otherCa.toString(), "-keyout", otherCa + ".key").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        Map<String, String> env = environment("");
        env.put("DB_CA_BUNDLE", otherCa.toString());

        assertThrows(SQLException.class, () -> login(env));
    }

    @Test
    void theBundleCanBeAnS3ObjectAsTheDataKeyCanBe() throws Exception {
        String bucket = "ca-" + UUID.randomUUID().toString().substring(0, 8);
        try (S3Client s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket(bucket));
            s3.putObject(r -> r.bucket(bucket).key("rds-ca.pem"), RequestBody.fromFile(server.caCertificate()));
            Map<String, String> env = environment("");
            env.put("DB_CA_BUNDLE", "s3://" + bucket + "/rds-ca.pem");

            try (HikariDataSource pool = DatabaseLogin.open(DatabaseConfig.fromEnvironment(env), () -> null, () -> s3,
                    "tls-s3", 1)) {
                assertTrue(ssl(pool));
            }
        }
    }

    @Test
    void aBundleThatCannotBeReadFailsTheLoginRatherThanConnectingUnverified() {
        Map<String, String> env = environment("");
        env.put("DB_CA_BUNDLE", "/var/task/no-such-bundle.pem");

        TrustUnavailableException e = assertThrows(TrustUnavailableException.class,
                () -> DatabaseLogin.open(DatabaseConfig.fromEnvironment(env), () -> null, "tls-none", 1));
        assertTrue(e.getMessage().contains("/var/task/no-such-bundle.pem"), e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD));
    }

    private void login(Map<String, String> env) throws SQLException {
        try (HikariDataSource pool = DatabaseLogin.open(DatabaseConfig.fromEnvironment(env), () -> null, "tls-x", 1);
             Connection ignored = pool.getConnection()) {
            // connected: not expected
        }
    }

    private static boolean ssl(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
