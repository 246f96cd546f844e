package uk.gov.ida.eventrecorder.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's server programs for the tests' throwaway clusters. {@code initdb} refuses to run as root, so the
 * clusters run as the {@code postgres} OS user (docs/TEST-SERVERS.md).
 */
final class ServerBinaries {
    /** The newest installed server's binaries (Debian keeps them in /usr/lib/postgresql/VERSION/bin). */
    static final String BIN = find();

    private ServerBinaries() {
    }

    private static String find() {
        try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin") + "/")
                    .orElseThrow();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("The login and failover tests start their own PostgreSQL clusters and "
                    + "need the server binaries (Debian: apt-get install postgresql); none under /usr/lib/postgresql");
        }
    }

    /** Runs one of the server programs ({@code initdb}, {@code pg_ctl}, …) as the postgres OS user. */
    static void asPostgres(String program, String... arguments) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", BIN + program));
        full.addAll(List.of(arguments));
        run(full);
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
