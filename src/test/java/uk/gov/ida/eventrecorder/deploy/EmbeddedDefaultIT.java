package uk.gov.ida.eventrecorder.deploy;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.testing.Requirement;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scripts on a machine with nothing but a JDK: no PostgreSQL installed, configured or running, no Docker. The
 * machine is played without touching it: {@code unshare -m} hides the installed PostgreSQL from one process tree
 * (docs/TEST-SERVERS.md), and the probe looks at a port where nothing listens. {@code ensure_postgres} must then start
 * an embedded PostgreSQL, say so in one line, hand it to the tests, and leave nothing running when the script ends.
 */
class EmbeddedDefaultIT {
    @Test
    void withNoPostgresqlAnywhereTheScriptsStartAnEmbeddedOneAndLeaveNothingRunning() throws Exception {
        Requirement.require(canHideDirectories(), "needs root and unshare -m to play a machine without PostgreSQL");
        Path empty = Files.createTempDirectory("nothing-installed");
        String script = String.join("; ",
                "mount --bind " + empty + " /usr/lib/postgresql 2>/dev/null || true",
                "mount --bind " + empty + " /etc/postgresql 2>/dev/null || true",
                "unset EVENT_RECORDER_TEST_DB",
                // Its own state: the run around this test may itself be using an embedded server.
                "export EVENT_RECORDER_EMBEDDED_STATE=target/embedded-postgres-it",
                "export EVENT_RECORDER_LOCAL_PG_PORT=1",
                ". build/lib.sh",
                "ensure_postgres",
                "echo \"DB=$EVENT_RECORDER_TEST_DB\"",
                "port=${EVENT_RECORDER_TEST_DB##*port=}; port=${port%% *}",
                "(exec 3<>/dev/tcp/127.0.0.1/$port) && echo REACHABLE",
                "echo DIR=$(cat target/embedded-postgres-it/dir)");
        Process process = new ProcessBuilder("unshare", "-m", "bash", "-c", script).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), output);
        System.out.println(output);

        assertEquals(0, process.exitValue(), output);
        List<String> said = output.lines().filter(l -> l.contains("embedded PostgreSQL")).toList();
        assertEquals(1, said.size(), "one line says so: " + output);
        assertTrue(said.get(0).contains("it stops when this command ends"), said.get(0));
        assertTrue(output.contains("REACHABLE"), output);
        String dir = output.lines().filter(l -> l.startsWith("DIR=")).findFirst().orElseThrow().substring(4);

        assertFalse(Files.exists(Path.of(dir)), "its files are gone");
        assertFalse(Files.exists(Path.of("target/embedded-postgres-it")), "and its state");
        Process left = new ProcessBuilder("pgrep", "-f", dir).start();
        assertEquals(1, left.waitFor(), "no process of it is left running");
    }

    private static boolean canHideDirectories() {
        try {
            Process p = new ProcessBuilder("unshare", "-m", "true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
