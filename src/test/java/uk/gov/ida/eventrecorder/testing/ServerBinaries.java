package uk.gov.ida.eventrecorder.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's server programs for the tests' throwaway clusters. {@code initdb} refuses to run as root, so as
 * root the clusters run as the {@code postgres} OS user, or {@code nobody} where there is none (docs/TEST-SERVERS.md).
 */
final class ServerBinaries {
    /**
     * The newest installed server's binaries (Debian keeps them in /usr/lib/postgresql/VERSION/bin); on a machine
     * without, the embedded newest major's ({@link EmbeddedPostgres}), which lacks only the client programs.
     */
    static final String BIN = find();

    private ServerBinaries() {
    }

    private static String find() {
        try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            var installed = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())));
            if (installed.isPresent()) {
                return installed.get().resolve("bin") + "/";
            }
        } catch (IOException | RuntimeException e) {
            // none installed
        }
        return EmbeddedPostgres.binaries(EmbeddedPostgres.NEWEST) + "/";
    }

    /** True when {@code program} (e.g. pg_basebackup, which the embedded binaries lack) is there to run. */
    static boolean has(String program) {
        return Files.isExecutable(Path.of(BIN + program));
    }

    /** Runs one of the server programs ({@code initdb}, {@code pg_ctl}, …) as the postgres OS user. */
    static void asPostgres(String program, String... arguments) throws IOException, InterruptedException {
        asServerUser(Path.of(BIN), program, arguments);
    }

    /** Runs {@code bin/program} as the user PostgreSQL may run as: itself, or when root another one. */
    static void asServerUser(Path bin, String program, String... arguments) throws IOException, InterruptedException {
        String user = EmbeddedPostgres.runAs();
        List<String> full = new ArrayList<>();
        if (user != null) {
            full.addAll(List.of("runuser", "-u", user, "--"));
        }
        full.add(bin.resolve(program).toString());
        full.addAll(List.of(arguments));
        run(full);
    }

    /** Gives {@code paths} to the user the servers run as (nothing to do when that is this process's own). */
    static void giveToServerUser(String... paths) throws IOException, InterruptedException {
        String user = EmbeddedPostgres.runAs();
        if (user != null) {
            List<String> command = new ArrayList<>(List.of("chown", "-R", user));
            command.addAll(List.of(paths));
            run(command);
        }
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
