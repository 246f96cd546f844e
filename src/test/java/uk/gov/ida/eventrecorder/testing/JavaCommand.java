package uk.gov.ida.eventrecorder.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code java -jar <artifact> <args>} in a fresh JVM, as an operator runs a command: its exit code and output. */
public final class JavaCommand {
    public record Result(int exit, String output) {
    }

    private JavaCommand() {
    }

    public static Result run(Path artifact, Map<String, String> env, String stdin, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", artifact.toString()));
        command.addAll(List.of(args));
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
