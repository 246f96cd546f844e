package uk.gov.ida.eventrecorder.lambda;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import uk.gov.ida.eventrecorder.testing.Requirement;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image's training run gives its runtime client a JNI library of its own, so that the second user of a build
 * machine can train (and run the tests) where the first left the client's fixed {@code /tmp/.libaws-lambda-jni.so}.
 */
class AotTrainingNativeLibraryTest {
    private static final Path FIXED_PATH = Path.of("/tmp/.libaws-lambda-jni.so");

    @AfterEach
    void forgetTheLibrary() {
        System.clearProperty(AotTraining.NATIVE_LIBRARY_PROPERTY);
    }

    @Test
    void theTrainingUnpacksTheClientsLibraryToAFileOfItsOwnAndNamesItToTheClient(@TempDir Path folder)
            throws Exception {
        // Given the runtime client's jar, as the training's class path holds it
        try (URLClassLoader client = new URLClassLoader(new URL[]{clientJar().toUri().toURL()}, null)) {
            // When the training prepares the client
            Path library = AotTraining.ownNativeLibrary(client, folder);

            // Then the client is told a new file of this process's own, not its fixed path
            assertEquals(library.toString(), System.getProperty(AotTraining.NATIVE_LIBRARY_PROPERTY));
            assertEquals(folder, library.getParent());
            assertNotEquals(FIXED_PATH, library);
            assertTrue(library.getFileName().toString().startsWith("aws-lambda-jni-"), library.toString());
            assertTrue(Files.size(library) > 0);
            Path mine = Files.createTempFile(folder, "owner", "");
            assertEquals(Files.getOwner(mine), Files.getOwner(library), "owned by this process's user");
        }
    }

    @Test
    void aLibraryTheCallerNamedIsKept(@TempDir Path folder) throws Exception {
        // Given a library named on the command line
        System.setProperty(AotTraining.NATIVE_LIBRARY_PROPERTY, "/opt/lib/libaws-lambda-jni.so");
        try (URLClassLoader client = new URLClassLoader(new URL[]{clientJar().toUri().toURL()}, null)) {
            // When / Then
            assertEquals(Path.of("/opt/lib/libaws-lambda-jni.so"), AotTraining.ownNativeLibrary(client, folder));
            try (var files = Files.list(folder)) {
                assertEquals(List.of(), files.toList(), "nothing unpacked");
            }
        }
    }

    /**
     * The second user, played for real: in a private mount namespace whose fresh {@code /tmp} holds the client's
     * fixed path as another user's read-only file, a process run as {@code nobody} starts the runtime client's native
     * part as the training does. Without the training's own copy the same process fails as the client always did.
     * Needs root (to make the namespace and switch user), {@code unshare} and {@code setpriv}: skipped without them,
     * and failed under CI, whose machines have them.
     */
    @Test
    void aSecondUserStartsTheClientWhereAnotherUserOwnsItsFixedPath() throws Exception {
        Requirement.require("root".equals(System.getProperty("user.name")), "root, to play two users");
        Requirement.require(onPath("unshare") && onPath("setpriv"), "unshare and setpriv on the PATH");
        // Given the class path as it is, which nobody may read: the training's classes, the probe's, the client's jar
        String classPath = location(AotTraining.class) + ":" + location(SecondUserProbe.class) + ":"
                + clientJar().toAbsolutePath();

        // When nobody starts the client, with the training's own copy and, to show the test bites, without it
        Probe withOwnCopy = probe(classPath, "training");
        Probe clientAlone = probe(classPath, "client-alone");

        // Then only the training's way starts
        assertEquals(0, withOwnCopy.exit, withOwnCopy.output);
        assertTrue(withOwnCopy.output.contains("loaded /tmp/aws-lambda-jni-"), withOwnCopy.output);
        assertNotEquals(0, clientAlone.exit, clientAlone.output);
        assertTrue(clientAlone.output.contains("Failed to load the native runtime interface client library"),
                clientAlone.output);
    }

    private record Probe(int exit, String output) {
    }

    private static Probe probe(String classPath, String mode) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // A fresh /tmp hides whatever the machine's holds, this clone too when it lies under /tmp (as a CI's may): the
        // machine's /tmp stays visible at /mnt, inside the namespace only, and the class path is named there.
        String script = "mount --bind /tmp /mnt && mount -t tmpfs tmpfs /tmp && : > " + FIXED_PATH + " && chmod 444 "
                + FIXED_PATH
                + " && exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$0\" -XX:-UsePerfData -cp \"$1\" "
                + SecondUserProbe.class.getName() + " \"$2\"";
        StringBuilder seen = new StringBuilder();
        for (String entry : classPath.split(":")) {
            String absolute = Path.of(entry).toAbsolutePath().toString();
            seen.append(seen.length() == 0 ? "" : ":")
                    .append(absolute.startsWith("/tmp/") ? "/mnt/" + absolute.substring("/tmp/".length()) : absolute);
        }
        Process process = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                java, seen.toString(), mode).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe ends");
        return new Probe(process.exitValue(), output);
    }

    private static Path location(Class<?> type) throws java.net.URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static boolean onPath(String command) {
        return List.of(System.getenv("PATH").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    private static Path clientJar() throws IOException {
        try (var jars = Files.list(Path.of("target", "runtime-interface-client"))) {
            return jars.filter(j -> j.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client"))
                    .findFirst().orElseThrow(() -> new IOException("no runtime interface client jar in "
                            + "target/runtime-interface-client: mvn generate-test-resources copies it"));
        }
    }
}

/** A process that starts the runtime client's native part as the training does ("training"), or as the client alone. */
final class SecondUserProbe {
    private SecondUserProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("training")) {
            AotTraining.ownNativeLibrary(SecondUserProbe.class.getClassLoader(),
                    Path.of(System.getProperty("java.io.tmpdir")));
        }
        // The client's own start of its native part: on failure it prints why and exits the JVM.
        Class.forName("com.amazonaws.services.lambda.runtime.api.client.runtimeapi.JniHelper").getMethod("load")
                .invoke(null);
        System.out.println("loaded " + System.getProperty(AotTraining.NATIVE_LIBRARY_PROPERTY));
    }
}
