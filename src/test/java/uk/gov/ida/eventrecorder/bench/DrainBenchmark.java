package uk.gov.ida.eventrecorder.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.testing.EventMix;
import uk.gov.ida.eventrecorder.testing.LatencyProxy;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code build/benchmark.sh --drain}: the drain handler as a deployment runs it, against the queue's ceiling, in one
 * run. Each drain is the packaged artifact's {@code QueueDrainHandler} in its own fresh JVM with the template's
 * {@code JAVA_TOOL_OPTIONS}, draining {@code -Devents} (default 10,000) messages; its rate is the messages it received
 * over its own elapsed time (its first batch, with the data key and first connection, included). The ceiling is a
 * sequential do-nothing consumer ({@link CeilingConsumer}: receive 10 + batch delete, warmed) in another JVM on the
 * same queue server, with each of the SDK's HTTP clients on the class path (url-connection, which the functions use,
 * and Apache): the faster is the ceiling, and the pair is the measurement behind the functions' client. Both with SQS reached directly and through a {@link LatencyProxy} adding
 * {@code -Ddrain.delayMs} (default 3) each way, for each {@code -Ddrain.concurrency} (default 1,2,4,8,16). Every drain
 * ends with a check that each of its events is in the audit table exactly once.
 */
public final class DrainBenchmark {
    private static final int EVENTS = Integer.getInteger("events", 10_000);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Path artifact = Path.of("target", "event-recorder-lambda.jar");
        if (!Files.exists(artifact)) {
            throw new IllegalStateException("no " + artifact + ": run ./build/package.sh first");
        }
        String javaOptions = new YAMLMapper().readTree(Path.of("template.yaml").toFile()).path("Globals")
                .path("Function").path("Environment").path("Variables").path("JAVA_TOOL_OPTIONS").asText();
        List<Integer> loops = numbers(System.getProperty("drain.concurrency", "1,2,4,8,16"));
        List<Integer> delays = new ArrayList<>(List.of(0));
        delays.add(Integer.getInteger("drain.delayMs", 3));
        RecorderFixture fixture = new RecorderFixture();
        System.out.printf("drain benchmark: %,d events a drain, handler JVMs with JAVA_TOOL_OPTIONS=%s, %d cores%n",
                EVENTS, javaOptions, Runtime.getRuntime().availableProcessors());
        List<String> table = new ArrayList<>();
        List<String> clients = new ArrayList<>();
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            URI direct = URI.create(System.getProperty("aws.endpointUrlSqs"));
            for (int delay : delays) {
                try (LatencyProxy proxy = delay > 0 ? new LatencyProxy(direct, delay) : null) {
                    String endpoint = proxy == null ? direct.toString() : proxy.endpoint();
                    String where = delay == 0 ? "local" : delay + " ms each way";
                    // The SDK's HTTP clients, same consumer: the fastest gives the ceiling the drain is compared with.
                    double ceiling = 0;
                    for (String client : List.of("url-connection", "apache")) {
                        double[] c = ceiling(fixture, sqs, endpoint, client);
                        System.out.printf("RESULT %s: sequential do-nothing consumer, %s client, warmed: %,.0f "
                                + "messages/s (%.2f ms a call); JVM start to first call answered %.0f ms%n", where,
                                client, c[0], 1000.0 / (c[0] / 10) / 2, c[1]);
                        clients.add(String.format("| %s | %s | %,.0f | %.2f | %.0f |", where, client, c[0],
                                1000.0 / (c[0] / 10) / 2, c[1]));
                        ceiling = Math.max(ceiling, c[0]);
                    }
                    for (int n : loops) {
                        double rate = drain(fixture, sqs, artifact, javaOptions, endpoint, n);
                        System.out.printf("RESULT %s: drain handler, DRAIN_CONCURRENCY=%d: %,.0f messages/s = %.2f× "
                                + "the ceiling%n", where, n, rate, rate / ceiling);
                        table.add(String.format("| %s | %d | %,.0f | %,.0f | %.2f× |", where, n, rate, ceiling,
                                rate / ceiling));
                    }
                }
            }
        }
        System.out.println();
        System.out.println("| SQS | DRAIN_CONCURRENCY | drain messages/s | ceiling messages/s | ratio |");
        System.out.println("| --- | --- | --- | --- | --- |");
        table.forEach(System.out::println);
        System.out.println();
        System.out.println("| SQS | HTTP client | sequential messages/s | ms a call | JVM start to first call, ms |");
        System.out.println("| --- | --- | --- | --- | --- |");
        clients.forEach(System.out::println);
        System.exit(0);
    }

    /** @return messages/s, and ms from JVM start to the first call answered */
    private static double[] ceiling(RecorderFixture fixture, SqsClient sqs, String endpoint, String client)
            throws Exception {
        TestQueue warm = TestQueue.standard(sqs);
        RecorderBenchmark.fill(sqs, warm, fixture, EventMix.of(2_000, 7));
        TestQueue measured = TestQueue.standard(sqs);
        RecorderBenchmark.fill(sqs, measured, fixture, EventMix.of(EVENTS, 8));
        ProcessBuilder builder = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"),
                CeilingConsumer.class.getName(), client, endpoint, warm.url(), measured.url()).redirectErrorStream(true);
        builder.environment().putAll(fixture.processEnvironment());
        String output = run(builder);
        String[] line = output.lines().filter(l -> l.startsWith("CEILING ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the ceiling consumer said:\n" + output)).split(" ");
        if (Long.parseLong(line[1]) != EVENTS) {
            throw new IllegalStateException("the ceiling consumer consumed " + line[1] + " of " + EVENTS);
        }
        return new double[]{Long.parseLong(line[1]) * 1000.0 / Long.parseLong(line[2]), Long.parseLong(line[3])};
    }

    private static double drain(RecorderFixture fixture, SqsClient sqs, Path artifact, String javaOptions,
                                String endpoint, int loops) throws Exception {
        fixture.database.truncateAll();
        TestQueue queue = TestQueue.standard(sqs);
        RecorderBenchmark.fill(sqs, queue, fixture, EventMix.of(EVENTS, 10 + loops));
        Path event = Files.createTempFile("scheduled-", ".json");
        Files.writeString(event, "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}");
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(Arrays.asList(javaOptions.split(" ")));
        command.addAll(List.of("-cp", artifact.toString(), "src/test/artifact/InvokeHandler.java",
                "uk.gov.ida.eventrecorder.lambda.QueueDrainHandler", event.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.putAll(fixture.processEnvironment());
        env.put("QUEUE_URL", queue.url());
        env.put("AWS_ENDPOINT_URL_SQS", endpoint);
        env.put("DRAIN_CONCURRENCY", Integer.toString(loops));
        String output = run(builder);
        Files.delete(event);
        String result = output.lines().filter(l -> l.startsWith("RESULT=")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the drain handler said:\n" + output));
        JsonNode summary = JSON.readTree(result.substring("RESULT=".length()));
        long rows = fixture.tables.count("audit.audit_events");
        Object distinct = fixture.tables.query("SELECT count(DISTINCT event_id) AS n FROM audit.audit_events")
                .get(0).get("n");
        if (summary.path("recorded").asLong() != EVENTS || rows != EVENTS || ((Number) distinct).longValue() != EVENTS
                || queue.visible() + queue.inFlight() != 0) {
            throw new IllegalStateException("not every event recorded exactly once: " + summary + ", " + rows
                    + " rows, " + distinct + " distinct, " + (queue.visible() + queue.inFlight()) + " left");
        }
        return summary.path("received").asLong() * 1000.0 / summary.path("elapsedMillis").asLong();
    }

    private static String run(ProcessBuilder builder) throws Exception {
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", builder.command()) + " failed:\n" + output);
        }
        return output;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<Integer> numbers(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).map(Integer::parseInt).toList();
    }
}
