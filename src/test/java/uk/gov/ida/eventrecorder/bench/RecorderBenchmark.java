package uk.gov.ida.eventrecorder.bench;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import uk.gov.ida.eventrecorder.lambda.QueueDrainHandler;
import uk.gov.ida.eventrecorder.lambda.SqsEventHandler;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventMix;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code build/benchmark.sh}: prints the recorder's throughput and cold start on this machine, against the local
 * PostgreSQL, ElasticMQ and the KMS double. Not a test: it asserts nothing, it measures. The recorder's own log lines
 * go to a file (as Lambda sends them to CloudWatch), so their cost is counted but the terminal stays readable.
 */
public final class RecorderBenchmark {
    private static final int EVENTS = Integer.getInteger("events", 10_000);

    public static void main(String[] args) throws Exception {
        PrintStream report = System.out;
        Path logFile = Files.createTempFile("recorder-benchmark-", ".log");
        System.setOut(new PrintStream(new BufferedOutputStream(new FileOutputStream(logFile.toFile()), 1 << 16), false));
        RecorderFixture fixture = new RecorderFixture();
        fixture.database.truncateAll();
        report.printf("event-recorder benchmark: %,d mixed events (70%% billing, 10%% fraud, 20%% other), "
                + "%d cores, recorder logs in %s%n", EVENTS, Runtime.getRuntime().availableProcessors(), logFile);

        long sent = 0;
        if (!Boolean.getBoolean("coldStartOnly")) {
            eventSourceHandler(fixture, report);
            drainHandler(fixture, report);
            sent = 2_000 + 2L * EVENTS;
        }
        int probes = coldStart(fixture, report);
        checkExactlyOnce(fixture, report, sent + (long) probes * ColdStartProbe.BATCH);
        System.out.flush();
        System.exit(0);
    }

    private static void eventSourceHandler(RecorderFixture fixture, PrintStream report) {
        try (SqsEventHandler handler = new SqsEventHandler(fixture.environment())) {
            runBatches(handler, encrypt(fixture, EventMix.of(2_000, 1)));  // warm-up: JIT, pool, key
            List<SQSEvent> batches = encrypt(fixture, EventMix.of(EVENTS, 2));
            long start = System.nanoTime();
            long failures = runBatches(handler, batches);
            double seconds = (System.nanoTime() - start) / 1e9;
            report.printf("1. event-source handler, 10-message SQSEvent batches in-process: %,.0f events/s "
                    + "(%,d events in %.2f s, %d failed)%n", EVENTS / seconds, EVENTS, seconds, failures);
            checkExactlyOnce(fixture, report, 2_000 + EVENTS);
        }
    }

    private static long runBatches(SqsEventHandler handler, List<SQSEvent> batches) {
        long failures = 0;
        LambdaContext context = LambdaContext.withTimeout(900_000);
        for (SQSEvent batch : batches) {
            SQSBatchResponse response = handler.handleRequest(batch, context);
            failures += response.getBatchItemFailures().size();
        }
        return failures;
    }

    private static List<SQSEvent> encrypt(RecorderFixture fixture, List<EventBuilder> events) {
        List<SQSEvent> batches = new ArrayList<>();
        for (int i = 0; i < events.size(); i += 10) {
            List<SQSEvent.SQSMessage> records = new ArrayList<>();
            for (EventBuilder event : events.subList(i, Math.min(i + 10, events.size()))) {
                SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
                m.setMessageId(UUID.randomUUID().toString());
                m.setBody(fixture.encrypt(event));
                m.setEventSourceArn("arn:aws:sqs:eu-west-2:000000000000:benchmark");
                records.add(m);
            }
            SQSEvent event = new SQSEvent();
            event.setRecords(records);
            batches.add(event);
        }
        return batches;
    }

    private static void drainHandler(RecorderFixture fixture, PrintStream report) {
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue warm = TestQueue.standard(sqs);
            fill(sqs, warm, fixture, EventMix.of(3_000, 3));
            doNothingConsumer(sqs, warm); // ElasticMQ is several times slower cold (docs/TEST-SERVERS.md)

            TestQueue baseline = TestQueue.standard(sqs);
            fill(sqs, baseline, fixture, EventMix.of(EVENTS, 4));
            long start = System.nanoTime();
            long consumed = doNothingConsumer(sqs, baseline);
            double baselineRate = consumed / ((System.nanoTime() - start) / 1e9);

            TestQueue queue = TestQueue.standard(sqs);
            fill(sqs, queue, fixture, EventMix.of(EVENTS, 5));
            Map<String, String> env = fixture.environment();
            env.put("QUEUE_URL", queue.url());
            try (QueueDrainHandler handler = new QueueDrainHandler(env)) {
                start = System.nanoTime();
                Map<String, Object> summary = handler.handleRequest(Map.of(), LambdaContext.withTimeout(900_000));
                double seconds = (System.nanoTime() - start) / 1e9;
                long recorded = (Long) summary.get("recorded");
                double rate = recorded / seconds;
                report.printf("2. drain handler from ElasticMQ: %,.0f events/s (%,d recorded in %.2f s); "
                                + "do-nothing consumer (receive 10 + batch delete): %,.0f messages/s; ratio %.0f %%%n",
                        rate, recorded, seconds, baselineRate, 100 * rate / baselineRate);
                checkExactlyOnce(fixture, report, 2_000 + 2L * EVENTS);
            }
        }
    }

    /** Every event sent so far is in the audit table, once: a figure for a recorder that loses or doubles is void. */
    private static void checkExactlyOnce(RecorderFixture fixture, PrintStream report, long sent) {
        long rows = fixture.tables.count("audit.audit_events");
        long distinct = ((Number) fixture.tables.query("SELECT count(DISTINCT event_id) AS n FROM audit.audit_events")
                .get(0).get("n")).longValue();
        if (rows != sent || distinct != sent) {
            throw new IllegalStateException("sent " + sent + " events; the audit table holds " + rows + " rows of "
                    + distinct + " events");
        }
        report.printf("   checked: all %,d events so far recorded exactly once%n", sent);
    }

    private static long doNothingConsumer(SqsClient sqs, TestQueue queue) {
        return CeilingConsumer.consume(sqs, queue.url());
    }

    static void fill(SqsClient sqs, TestQueue queue, RecorderFixture fixture, List<EventBuilder> events) {
        for (int i = 0; i < events.size(); i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (EventBuilder event : events.subList(i, Math.min(i + 10, events.size()))) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                        .messageBody(fixture.encrypt(event)).build());
            }
            sqs.sendMessageBatch(r -> r.queueUrl(queue.url()).entries(entries));
        }
    }

    /**
     * {@code -DcoldStart.compareWith=OTHER.jar}: this artifact and another (say, the build before a change),
     * alternately in fresh JVMs, nine each, so the machine's noise falls on both alike.
     */
    private static int compareColdStarts(RecorderFixture fixture, PrintStream report, String classPath,
                                         String otherClassPath) throws IOException, InterruptedException {
        List<Long> ours = new ArrayList<>();
        List<Long> theirs = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            theirs.add(ColdStartProbe.runInFreshJvm(fixture, otherClassPath, false));
            ours.add(ColdStartProbe.runInFreshJvm(fixture, classPath, false));
        }
        long a = ours.stream().sorted().toList().get(4);
        long b = theirs.stream().sorted().toList().get(4);
        report.printf("3c. cold start, this artifact vs %s, alternating: median %d vs %d ms (%+d ms)%n    this %s%n"
                + "    that %s%n", System.getProperty("coldStart.compareWith"), a, b, a - b, ours, theirs);
        return ours.size() + theirs.size();
    }

    /**
     * JVM start to first 10-message batch recorded, in fresh JVMs, median of five, with the JVM options the template
     * sets. Returns how many fresh JVMs recorded a batch.
     * When the Lambda artifact has been built, the handler comes from it (plus the probe class); otherwise from the
     * test class path. "Primed" runs the SnapStart checkpoint hooks first and counts from the restore hook on.
     */
    private static int coldStart(RecorderFixture fixture, PrintStream report) throws IOException, InterruptedException {
        Path artifact = Path.of("target", "event-recorder-lambda.jar");
        String classPath = Files.exists(artifact) ? artifact + java.io.File.pathSeparator + Path.of("target", "test-classes")
                : System.getProperty("java.class.path");
        String source = Files.exists(artifact) ? "the packaged artifact" : "the test class path";
        String other = System.getProperty("coldStart.compareWith");
        int probes = 0;
        if (other != null) {
            probes += compareColdStarts(fixture, report, classPath, other + java.io.File.pathSeparator
                    + Path.of("target", "test-classes"));
        }
        // Where the time goes: five more plain runs, each split into phases (built in that order, then the batch).
        List<Long> phasedTotals = new ArrayList<>();
        List<String> phases = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            phasedTotals.add(ColdStartProbe.runInFreshJvm(fixture, classPath, "phased"));
            probes++;
            phases.add(ColdStartProbe.lastPhases);
        }
        int median = phasedTotals.indexOf(phasedTotals.stream().sorted().toList().get(2));
        report.printf("3p. cold start by phase (the median of 5 phased runs, ms): %s%n", phases.get(median));
        for (boolean primed : new boolean[]{false, true}) {
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                millis.add(ColdStartProbe.runInFreshJvm(fixture, classPath, primed));
                probes++;
            }
            List<Long> sorted = millis.stream().sorted().toList();
            report.printf("3%s. cold start from %s, %s: median %d ms of %s%n", primed ? "b" : "a", source,
                    primed ? "primed (restore hook to first 10-message batch recorded)"
                            : "JVM start to first 10-message batch recorded",
                    sorted.get(2), millis);
        }
        return probes;
    }
}
