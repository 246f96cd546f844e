package uk.gov.ida.eventrecorder.testing;

import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * A throwaway PostgreSQL cluster that, unlike the machine's server, checks passwords (scram-sha-256) and offers
 * SSL. The role {@code recorder} logs in with a password; the role {@code iam_user} is admitted only over SSL
 * ({@code hostssl … trust}, {@code host … reject}), standing in for RDS, which checks the IAM token itself.
 * It runs as the {@code postgres} OS user ({@link ServerBinaries}).
 */
public final class PasswordCheckingPostgres implements AutoCloseable {
    public static final String DATABASE = "events";

    private final Path bin;
    private final Path dir;
    private final int port;
    private final String superPassword;

    public PasswordCheckingPostgres(String recorderPassword) throws IOException, InterruptedException {
        this(recorderPassword, Path.of(ServerBinaries.BIN));
    }

    /** @param bin the server programs of the PostgreSQL to run (another major: {@link EmbeddedPostgres#binaries}) */
    public PasswordCheckingPostgres(String recorderPassword, Path bin) throws IOException, InterruptedException {
        this.bin = bin;
        this.dir = Files.createTempDirectory("er-pg-");
        this.port = ElasticMq.freePort();
        this.superPassword = "super-" + Long.toHexString(System.nanoTime());
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pw");
        Files.writeString(pwfile, superPassword + "\n");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        ServerBinaries.giveToServerUser(dir.toString());
        ServerBinaries.asServerUser(bin, "initdb", "-D", data.toString(), "-A", "scram-sha-256", "-U", "postgres",
                "--pwfile=" + pwfile, "--no-sync");
        // A CA of the cluster's own, as RDS has, and a server certificate it signed naming the address connected to.
        ServerBinaries.run(List.of("openssl", "req", "-new", "-x509", "-days", "1", "-nodes", "-subj",
                "/CN=event-recorder test CA", "-out", dir.resolve("ca.crt").toString(), "-keyout",
                dir.resolve("ca.key").toString()));
        presentCertificateFor("IP:127.0.0.1");
        Files.writeString(data.resolve("pg_hba.conf"), String.join("\n",
                "local all all scram-sha-256",
                "hostssl all iam_user 127.0.0.1/32 trust",
                "host all iam_user 127.0.0.1/32 reject",
                "host all all 127.0.0.1/32 scram-sha-256", ""));
        ServerBinaries.asServerUser(bin, "pg_ctl", "-D", data.toString(), "-w", "-l", dir.resolve("log").toString(), "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c ssl=on -c fsync=off", "start");
        try {
            prepare(recorderPassword);
        } catch (RuntimeException e) {
            close(); // a cluster that failed to set up must not outlive the test run
            throw e;
        }
    }

    private void prepare(String recorderPassword) {
        DatabaseSettings admin = settings("postgres", superPassword, "postgres");
        try (var ds = TestDatabase.open(admin, 1); var c = ds.getConnection(); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
            s.execute("CREATE ROLE recorder LOGIN PASSWORD '" + recorderPassword.replace("'", "''") + "'");
            s.execute("CREATE ROLE iam_user LOGIN");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        try (var ds = TestDatabase.open(settings("postgres", superPassword, DATABASE), 3)) {
            SchemaMigrations.apply(ds);
            try (var c = ds.getConnection(); var s = c.createStatement()) {
                // The recorder's least privilege (docs/deploying.md): insert the columns its statement names into
                // the event tables (never recorded_xid, which its default sets), and read back only the audit key
                // columns, which INSERT ... RETURNING needs to tell a new event from a duplicate.
                for (String role : List.of("recorder", "iam_user")) {
                    s.execute("GRANT USAGE ON SCHEMA audit, billing TO " + role);
                    s.execute("GRANT INSERT (event_id, time_stamp, originating_service, session_id, event_type, "
                            + "details) ON audit.audit_events TO " + role);
                    s.execute("GRANT INSERT (event_id, time_stamp, session_id, hashed_persistent_id, request_id, "
                            + "idp_entity_id, minimum_level_of_assurance, provided_level_of_assurance, "
                            + "preferred_level_of_assurance, transaction_entity_id) ON billing.billing_events TO "
                            + role);
                    s.execute("GRANT INSERT (event_id, time_stamp, session_id, hashed_persistent_id, request_id, "
                            + "entity_id, fraud_event_id, fraud_indicator, transaction_entity_id) "
                            + "ON billing.fraud_events TO " + role);
                    s.execute("GRANT SELECT (event_id, time_stamp) ON audit.audit_events TO " + role);
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public int port() {
        return port;
    }

    /** The cluster's CA certificate: what {@code DB_CA_BUNDLE} names for it, as the RDS bundle for RDS. */
    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /**
     * Makes the server present a certificate, signed by the cluster's CA, for {@code subjectAltName} (e.g.
     * {@code IP:127.0.0.1}, or {@code DNS:db.elsewhere.example} to play a server that is not the one named), and
     * reloads it into a running server.
     */
    public void presentCertificateFor(String subjectAltName) throws IOException, InterruptedException {
        Path data = dir.resolve("data");
        Path ext = dir.resolve("san.ext");
        Files.writeString(ext, "subjectAltName=" + subjectAltName + "\n");
        ServerBinaries.run(List.of("openssl", "req", "-new", "-nodes", "-subj", "/CN=event-recorder test server",
                "-out", dir.resolve("server.csr").toString(), "-keyout", data.resolve("server.key").toString()));
        ServerBinaries.run(List.of("openssl", "x509", "-req", "-days", "1", "-in", dir.resolve("server.csr").toString(),
                "-CA", caCertificate().toString(), "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial",
                "-extfile", ext.toString(), "-out", data.resolve("server.crt").toString()));
        ServerBinaries.giveToServerUser(data.resolve("server.crt").toString(), data.resolve("server.key").toString());
        ServerBinaries.run(List.of("chmod", "600", data.resolve("server.key").toString()));
        ServerBinaries.run(List.of("chmod", "644", caCertificate().toString()));
        if (Files.exists(data.resolve("postmaster.pid"))) {
            ServerBinaries.asServerUser(bin, "pg_ctl", "-D", data.toString(), "reload");
            Thread.sleep(300); // the postmaster reloads on SIGHUP; new connections then get the new certificate
        }
    }

    /** The superuser on the event database: the tables' owner (it ran the migrations), as the maintenance logs in. */
    public DatabaseSettings ownerSettings() {
        return settings("postgres", superPassword, DATABASE);
    }

    /** A superuser view of the cluster's event database, for assertions. */
    public Tables tables(List<AutoCloseable> closeLater) {
        var ds = TestDatabase.open(settings("postgres", superPassword, DATABASE), 1);
        closeLater.add(ds);
        return new Tables(ds);
    }

    private DatabaseSettings settings(String user, String password, String database) {
        return new DatabaseSettings("127.0.0.1", port, database, user, Optional.of(password), Optional.empty(),
                Optional.empty());
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not stop the throwaway cluster in " + dir, e);
        }
    }

    private void stop() throws IOException, InterruptedException {
        ServerBinaries.asServerUser(bin, "pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "stop");
        ServerBinaries.run(List.of("rm", "-rf", dir.toString()));
    }
}
