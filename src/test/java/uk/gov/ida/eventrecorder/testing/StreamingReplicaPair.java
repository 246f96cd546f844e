package uk.gov.ida.eventrecorder.testing;

import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * A primary and its streaming standby (made with {@code pg_basebackup -R}), replicating synchronously as RDS
 * Multi-AZ does, so a commit the recorder saw is on the standby when the primary dies. The event database is
 * migrated on the primary before the standby is cloned. Trust authentication on loopback; superuser only.
 */
public final class StreamingReplicaPair implements AutoCloseable {
    public static final String DATABASE = "events";

    private final Path dir;
    private final int primaryPort = ElasticMq.freePort();
    private final int standbyPort = ElasticMq.freePort();

    /**
     * A standby is cloned with {@code pg_basebackup}, a client program: installed PostgreSQL has it, the embedded
     * binaries (a machine with nothing but a JDK) do not.
     */
    public static boolean available() {
        return ServerBinaries.has("pg_basebackup");
    }

    public StreamingReplicaPair() throws Exception {
        dir = Files.createTempDirectory("er-failover-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        ServerBinaries.giveToServerUser(dir.toString());
        try {
            Path primary = dir.resolve("primary");
            ServerBinaries.asPostgres("initdb", "-D", primary.toString(), "-A", "trust", "-U", "postgres",
                    "--no-sync");
            Files.writeString(primary.resolve("pg_hba.conf"), String.join("\n",
                    "local all all trust", "host all all 127.0.0.1/32 trust",
                    "host replication all 127.0.0.1/32 trust", ""));
            start(primary, primaryPort, "-c wal_level=replica -c max_wal_senders=4");
            try (var ds = TestDatabase.open(settings(primaryPort, "postgres"), 1); var c = ds.getConnection();
                 var s = c.createStatement()) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
            try (var ds = TestDatabase.open(primary(), 3)) {
                SchemaMigrations.apply(ds);
            }
            Path standby = dir.resolve("standby");
            ServerBinaries.asPostgres("pg_basebackup", "-D", standby.toString(), "-R", "-X", "stream", "--checkpoint=fast",
                    "-h", "127.0.0.1", "-p", Integer.toString(primaryPort), "-U", "postgres");
            start(standby, standbyPort, "");
            synchronous();
        } catch (Exception e) {
            close(); // a pair that failed to set up must not outlive the test run
            throw e;
        }
    }

    public int primaryPort() {
        return primaryPort;
    }

    public int standbyPort() {
        return standbyPort;
    }

    public DatabaseSettings primary() {
        return settings(primaryPort, DATABASE);
    }

    public DatabaseSettings standby() {
        return settings(standbyPort, DATABASE);
    }

    /** The primary dies at once, as in a crash or a lost host: no shutdown checkpoint. */
    public void stopPrimary() throws IOException, InterruptedException {
        ServerBinaries.asPostgres("pg_ctl", "-D", dir.resolve("primary").toString(), "-m", "immediate", "stop");
    }

    /** The standby becomes a writable primary. */
    public void promoteStandby() throws IOException, InterruptedException {
        ServerBinaries.asPostgres("pg_ctl", "-D", dir.resolve("standby").toString(), "-w", "promote");
    }

    private void start(Path data, int port, String options) throws IOException, InterruptedException {
        ServerBinaries.asPostgres("pg_ctl", "-D", data.toString(), "-w", "-l", data + ".log", "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off " + options, "start");
    }

    /** Commits wait for the standby once it is streaming. */
    private void synchronous() throws SQLException, InterruptedException {
        try (var ds = TestDatabase.open(settings(primaryPort, "postgres"), 1); Connection c = ds.getConnection();
             Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET synchronous_standby_names = '*'");
            s.execute("SELECT pg_reload_conf()");
            for (int i = 0; i < 100; i++) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")) {
                    rs.next();
                    if (rs.getInt(1) == 1) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the standby did not become a synchronous standby");
        }
    }

    private static DatabaseSettings settings(int port, String database) {
        return new DatabaseSettings("127.0.0.1", port, database, "postgres", Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    @Override
    public void close() {
        for (String cluster : List.of("standby", "primary")) {
            try {
                if (Files.exists(dir.resolve(cluster).resolve("postmaster.pid"))) {
                    ServerBinaries.asPostgres("pg_ctl", "-D", dir.resolve(cluster).toString(), "-m", "immediate",
                            "stop");
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                System.err.println("could not stop the " + cluster + " cluster in " + dir + ": " + e.getMessage());
            }
        }
        try {
            ServerBinaries.run(List.of("rm", "-rf", dir.toString()));
        } catch (IOException | InterruptedException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
