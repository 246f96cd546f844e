package uk.gov.ida.eventrecorder.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar <artifact> <args>} in a fresh JVM, as an operator runs a command: its exit code and output.
 *
 * <p>The JVM starts with options that change how fast it starts, never what the program does. A command here lives
 * a second or two: too short for the optimizing compiler to pay back, so only the quick one runs; and most of its
 * time goes to loading the same classes from the same jar, so the first command of a class path in this test JVM
 * archives them (class-data sharing, JDK 19 and later) and the next ones map the archive. The export's
 * {@code verify} took 1.35 s of CPU without them, 0.54 s with.
 */
public final class JavaCommand {
    public record Result(int exit, String output) {
    }

    /** One archive per class path, its first run alone: two JVMs writing one archive at once could spoil it. */
    private static final Map<String, Object> FIRST_RUNS = new ConcurrentHashMap<>();

    private JavaCommand() {
    }

    public static Result run(Path artifact, Map<String, String> env, String stdin, String... args)
            throws IOException, InterruptedException {
        return start(artifact.toString(), List.of("-jar", artifact.toString()), env, stdin, args);
    }

    /** {@code java -cp <classPath> <mainClass> <args>}: a class path of an artifact and what a test adds to it. */
    public static Result runMain(String classPath, String mainClass, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        return start(classPath, List.of("-cp", classPath, mainClass), env, null, args);
    }

    private static Result start(String classPath, List<String> program, Map<String, String> env, String stdin,
                                String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1"));
        Path archive = archive(classPath);
        if (archive != null) {
            // Its messages (which classes it could not archive, a jar rebuilt since) are the JVM's, not the command's.
            command.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive",
                    "-Xlog:cds*=off"));
        }
        command.addAll(program);
        command.addAll(List.of(args));
        if (archive == null || Files.exists(archive)) {
            return run(command, env, stdin, args);
        }
        synchronized (FIRST_RUNS.computeIfAbsent(classPath, k -> new Object())) {
            return run(command, env, stdin, args);
        }
    }

    /** Where this test JVM keeps the class archive of {@code classPath}; null before JDK 19, which cannot make one. */
    private static Path archive(String classPath) throws IOException {
        if (Runtime.version().feature() < 19) {
            return null;
        }
        Path dir = Files.createDirectories(Path.of("target", "class-archives").toAbsolutePath());
        Path archive = dir.resolve(Integer.toHexString(classPath.hashCode()) + "-" + ProcessHandle.current().pid()
                + ".jsa");
        archive.toFile().deleteOnExit();
        return archive;
    }

    private static Result run(List<String> command, Map<String, String> env, String stdin, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        // Read while it runs; a command that hangs fails the test with what it printed, not at the suite's time-out.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the command " + List.of(args) + " did not end in 120 s; it printed:\n"
                    + output.completeOnTimeout("", 5, TimeUnit.SECONDS).join());
        }
        return new Result(process.exitValue(), output.join());
    }
}
