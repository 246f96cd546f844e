package uk.gov.ida.eventrecorder.bench;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import uk.gov.ida.eventrecorder.lambda.SqsEventHandler;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs in a fresh JVM the way Lambda starts a container: instantiate the handler with its no-argument constructor
 * (configuration from the process environment), record one batch of {@link #BATCH} messages (the event mix of the
 * throughput figures), and print the time since the JVM started.
 */
public final class ColdStartProbe {
    private static final String MARK = "COLD_START_MS=";
    private static final String PHASES = "PHASES ";
    /** Messages in the cold start's batch: SQS's largest receive, the event source's default batch size. */
    static final int BATCH = 10;
    /** The same mix of event types in every fresh JVM (the events' ids are new each time), so runs compare alike. */
    private static final long MIX_SEED = 1_000;
    /** The phase line of the last plain run of {@link #runInFreshJvm}. */
    static String lastPhases = "";

    public static void main(String[] args) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainEntered = System.currentTimeMillis();
        String body = args[0];
        boolean primed = args.length > 1 && args[1].equals("primed");
        boolean phased = args.length > 1 && args[1].equals("phased");
        SqsEventHandler handler = new SqsEventHandler();
        long constructed = System.currentTimeMillis();
        long connected = constructed;
        long keyed = constructed;
        if (phased) {
            uk.gov.ida.eventrecorder.lambda.ColdStartPhases.openFirstConnection(handler);
            connected = System.currentTimeMillis();
            uk.gov.ida.eventrecorder.lambda.ColdStartPhases.decryptDataKey(handler);
            keyed = System.currentTimeMillis();
        }
        long restored = 0;
        if (primed) {
            // What SnapStart does: run the checkpoint hooks, snapshot, and later restore and run the restore hooks.
            // The snapshot itself cannot be taken on this JDK; the time that counts is from restore on.
            uk.gov.ida.eventrecorder.lambda.SnapStartSimulation.checkpoint(handler);
            restored = System.currentTimeMillis();
            uk.gov.ida.eventrecorder.lambda.SnapStartSimulation.restore(handler);
        }
        List<SQSEvent.SQSMessage> messages = new ArrayList<>();
        for (String messageBody : body.split(",")) {
            SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
            message.setMessageId(UUID.randomUUID().toString());
            message.setBody(messageBody);
            messages.add(message);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(messages);
        SQSBatchResponse response = handler.handleRequest(event, null);
        long elapsed = System.currentTimeMillis() - (primed ? restored : ManagementFactory.getRuntimeMXBean().getStartTime());
        if (!response.getBatchItemFailures().isEmpty()) {
            throw new IllegalStateException("the cold-start batch failed");
        }
        System.out.println(MARK + elapsed);
        if (phased) {
            long done = System.currentTimeMillis();
            System.out.printf("%sjvm_start_to_main=%d handler_constructed=%d first_connection=%d "
                            + "data_key_decrypted_and_pipeline=%d first_batch_committed=%d total=%d classes_loaded=%d%n",
                    PHASES, mainEntered - jvmStart, constructed - mainEntered, connected - constructed,
                    keyed - connected, done - keyed, done - jvmStart,
                    ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
        }
        handler.close();
    }

    /** Starts a JVM with {@code classPath}, this run's endpoints in its environment, and returns its cold start. */
    static long runInFreshJvm(RecorderFixture fixture, String classPath, boolean primed)
            throws IOException, InterruptedException {
        return runInFreshJvm(fixture, classPath, primed ? "primed" : "plain");
    }

    /** @param mode {@code plain}, {@code primed}, or {@code phased} (plain, split into phases: {@link #lastPhases}) */
    static long runInFreshJvm(RecorderFixture fixture, String classPath, String mode)
            throws IOException, InterruptedException {
        // The template's JVM options, as the functions run with them.
        List<String> command = new ArrayList<>(List.of(Path.java()));
        command.addAll(List.of(uk.gov.ida.eventrecorder.testing.LambdaRuntime.TEMPLATE_JAVA_OPTIONS.split(" +")));
        command.addAll(List.of("-cp", classPath, ColdStartProbe.class.getName(),
                String.join(",", uk.gov.ida.eventrecorder.testing.EventMix.of(BATCH, MIX_SEED).stream()
                        .map(fixture::encrypt).toList()), mode));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.putAll(fixture.processEnvironment());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0 || !output.contains(MARK)) {
            throw new IllegalStateException("cold-start probe failed:\n" + output);
        }
        String line = output.lines().filter(l -> l.startsWith(MARK)).findFirst().orElseThrow();
        output.lines().filter(l -> l.startsWith(PHASES)).findFirst()
                .ifPresent(l -> lastPhases = l.substring(PHASES.length()));
        return Long.parseLong(line.substring(MARK.length()).strip());
    }

    private static final class Path {
        static String java() {
            return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }
}
