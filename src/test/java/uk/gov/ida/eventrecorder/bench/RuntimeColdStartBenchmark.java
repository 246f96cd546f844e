package uk.gov.ida.eventrecorder.bench;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import uk.gov.ida.eventrecorder.testing.EventMix;
import uk.gov.ida.eventrecorder.testing.LambdaRuntime;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Cold start as Lambda reports it: the packaged artifact unzipped, started by Lambda's runtime interface client with
 * the template's JVM options, on the JDK running this benchmark; init (process start to the first {@code /next}),
 * then the first 10-message invocation of the event-source handler. Median of {@code coldStart.runs} (default 5)
 * fresh processes; every event checked recorded exactly once at the end.
 *
 * <p>In the same run, alternating with the recorder, the floor Lambda itself sets ({@link FloorHandler}: one class
 * alone in its own task folder, the same runtime client, options and event JSON): on-demand init + first invocation,
 * and SnapStart's {@code /restore/next} to the first batch answered, with the ratios the floor's goals are set in
 * (docs/performance.md, "The floor and the goals").
 * {@code -DcoldStart.floor=false} leaves it out.
 */
public final class RuntimeColdStartBenchmark {
    public static void main(String[] args) throws Exception {
        int runs = Integer.getInteger("coldStart.runs", System.getProperty("coldStart.aotCache") != null ? 10 : 5);
        boolean floor = !"false".equals(System.getProperty("coldStart.floor"));
        long[] floorTotal = new long[runs];
        long[] floorRestore = new long[runs];
        Path artifact = Path.of(System.getProperty("artifact.path", "target/event-recorder-lambda.jar"));
        // -DcoldStart.aotCache=<file> alternates runs between the zip as Lambda lays it out and the container
        // image's layout (the jar on the class path) started with an AOT cache, made first by the image build's
        // training run (build/image/train.sh).
        String aotCache = System.getProperty("coldStart.aotCache");
        RecorderFixture fixture = new RecorderFixture();
        fixture.database.truncateAll();
        long[] init = new long[runs];
        long[] first = new long[runs];
        long[] total = new long[runs];
        List<String> ids = new ArrayList<>();
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            if (aotCache != null) {
                LambdaRuntime.trainImageCache(artifact, Path.of(aotCache));
                System.out.printf("AOT cache (build/image/train.sh): %,d bytes%n",
                        java.nio.file.Files.size(Path.of(aotCache)));
            }
            for (int run = 0; run < runs; run++) {
                // -DcoldStart.handler=… alternates runs between the template's handler and this one
                // (DoNothingHandler: the floor, what the runtime client and a JVM cost without the recorder).
                String handler = System.getProperty("coldStart.handler") != null && run % 2 == 1
                        ? System.getProperty("coldStart.handler") : LambdaRuntime.EVENT_SOURCE_HANDLER;
                boolean nothing = handler.startsWith(DoNothingHandler.class.getName());
                List<Message> batch = batch(fixture, nothing ? new ArrayList<>() : ids, 42 + run);
                Map<String, String> env = fixture.processEnvironment();
                // -DcoldStart.initType=X alternates runs between Lambda's on-demand init and X (e.g. none), in one
                // run of the machine, for a ratio that its noise does not decide.
                String other = System.getProperty("coldStart.initType");
                if (other != null && run % 2 == 1) {
                    env.put("AWS_LAMBDA_INITIALIZATION_TYPE", other);
                }
                // -DcoldStart.javaOptions=… alternates runs between the template's JVM options and these.
                String options = System.getProperty("coldStart.javaOptions");
                if (options != null && run % 2 == 1) {
                    env.put("JAVA_TOOL_OPTIONS", options);
                }
                // -DcoldStart.before=<jar> alternates runs between this build's artifact and an earlier one.
                String before = System.getProperty("coldStart.before");
                Path runArtifact = before != null && run % 2 == 1 ? Path.of(before) : artifact;
                boolean image = aotCache != null && run % 2 == 1;
                try (LambdaRuntime lambda = image
                        ? LambdaRuntime.startImage(artifact, handler, env, Path.of(aotCache))
                        : LambdaRuntime.start(runArtifact, handler, env, 1,
                        nothing ? List.of(DoNothingHandler.class) : List.of())) {
                    init[run] = lambda.initMillis();
                    long t0 = System.nanoTime();
                    LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.sqsEvent(batch, queue.arn()));
                    first[run] = (System.nanoTime() - t0) / 1_000_000;
                    total[run] = init[run] + first[run];
                    if (Boolean.getBoolean("coldStart.showLog") && run == runs - 1) {
                        System.out.println(lambda.output());
                    }
                    if (answer.error() || !answer.body().equals("{\"batchItemFailures\":[]}")) {
                        throw new IllegalStateException("the batch failed: " + answer.body() + lambda.output());
                    }
                }
                if (floor) {
                    // The floor, right after: the same event JSON, the same client and options, nothing else.
                    try (LambdaRuntime alone = LambdaRuntime.startAlone(FloorHandler.class,
                            fixture.processEnvironment())) {
                        long floorInit = alone.initMillis();
                        long t0 = System.nanoTime();
                        LambdaRuntime.Answer answer = alone.invoke(LambdaRuntime.sqsEvent(batch(fixture,
                                new ArrayList<>(), 42 + run), queue.arn()));
                        floorTotal[run] = floorInit + (System.nanoTime() - t0) / 1_000_000;
                        if (answer.error()) {
                            throw new IllegalStateException("the floor failed: " + answer.body() + alone.output());
                        }
                    }
                }
            }
        }
        if (System.getProperty("coldStart.aotCache") != null
                || System.getProperty("coldStart.initType") != null || System.getProperty("coldStart.javaOptions") != null
                || System.getProperty("coldStart.handler") != null || System.getProperty("coldStart.before") != null) {
            long[][] split = {alternate(total, 0), alternate(total, 1)};
            System.out.printf("alternating: on-demand init + first, median %d ms %s; %s: median %d ms %s%n",
                    median(split[0]), Arrays.toString(split[0]), System.getProperty("coldStart.initType",
                            System.getProperty("coldStart.javaOptions", System.getProperty("coldStart.handler",
                                    System.getProperty("coldStart.before", "image + AOT cache")))),
                    median(split[1]), Arrays.toString(split[1]));
        }
        System.out.printf("cold start under the runtime client, JDK %s, %d fresh processes: init %s ms, first "
                        + "10-message invocation %s ms, init + first %s ms; median init %d, first %d, total %d ms%n",
                Runtime.version(), runs, Arrays.toString(init), Arrays.toString(first), Arrays.toString(total),
                median(init), median(first), median(total));
        // SnapStart: the client runs the beforeCheckpoint hooks, asks /restore/next, runs afterRestore, then /next.
        long[] restore = new long[runs];
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs);
            for (int run = 0; run < runs; run++) {
                List<Message> batch = batch(fixture, ids, 1042 + run);
                Map<String, String> env = fixture.processEnvironment();
                env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start");
                // The template's options, as the published version runs with them.
                env.put("JAVA_TOOL_OPTIONS", LambdaRuntime.TEMPLATE_JAVA_OPTIONS
                        + " -Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac "
                        // -DcoldStart.snapStartJavaOptions=… adds options (a class-load log of the restored copy).
                        + System.getProperty("coldStart.snapStartJavaOptions", ""));
                try (LambdaRuntime lambda = LambdaRuntime.start(artifact,
                        LambdaRuntime.EVENT_SOURCE_HANDLER, env, 1)) {
                    LambdaRuntime.Answer answer = lambda.invoke(LambdaRuntime.sqsEvent(batch, queue.arn()));
                    if (answer.error() || !answer.body().equals("{\"batchItemFailures\":[]}")) {
                        throw new IllegalStateException("the batch failed: " + answer.body() + lambda.output());
                    }
                    restore[run] = lambda.restoreToAnswerMillis(answer);
                }
                if (floor) {
                    try (LambdaRuntime alone = LambdaRuntime.startAlone(FloorHandler.class, env)) {
                        LambdaRuntime.Answer answer = alone.invoke(LambdaRuntime.sqsEvent(batch(fixture,
                                new ArrayList<>(), 1042 + run), queue.arn()));
                        if (answer.error()) {
                            throw new IllegalStateException("the floor failed: " + answer.body() + alone.output());
                        }
                        floorRestore[run] = alone.restoreToAnswerMillis(answer);
                    }
                }
            }
        }
        long[] zipTotal = aotCache != null ? alternate(total, 0) : total;
        System.out.printf("SnapStart under the runtime client, JDK %s: /restore/next to the first 10-message batch "
                + "answered %s ms, median %d ms%n", Runtime.version(), Arrays.toString(restore), median(restore));
        if (floor) {
            System.out.printf("the floor (FloorHandler alone in its task folder, same client and options), alternating "
                            + "in this run: on-demand init + first invocation %s ms, median %d ms: the recorder is "
                            + "%.2fx the floor (the goal: at most 2.5x); SnapStart /restore/next to the batch "
                            + "answered %s ms, median %d ms: the recorder is the floor + %d ms (goal: + 40 ms at most)%n",
                    Arrays.toString(floorTotal), median(floorTotal), median(zipTotal) / (double) median(floorTotal),
                    Arrays.toString(floorRestore), median(floorRestore), median(restore) - median(floorRestore));
            if (aotCache != null) {
                long[] image = alternate(total, 1);
                System.out.printf("the container image (build/image/Dockerfile) with its AOT cache, alternating with "
                                + "the zip in this run: on-demand init + first invocation %s ms, median %d ms: %.2fx the "
                                + "floor (the zip: %.2fx)%n", Arrays.toString(image), median(image),
                        median(image) / (double) median(floorTotal), median(zipTotal) / (double) median(floorTotal));
            }
        }
        if (!"false".equals(System.getProperty("coldStart.concurrency"))) {
            concurrency(fixture, artifact, ids);
        }
        long recorded = (Long) fixture.tables.query("SELECT count(DISTINCT event_id) AS n FROM audit.audit_events")
                .get(0).get("n");
        if (recorded != ids.size() || fixture.tables.count("audit.audit_events") != ids.size()) {
            throw new IllegalStateException("expected each of " + ids.size() + " events once, found " + recorded);
        }
        System.out.println("every event recorded exactly once (" + ids.size() + ")");
        System.exit(0);
    }

    /**
     * The fourth figure against the floor: one process of the artifact under the runtime client with
     * {@code AWS_LAMBDA_MAX_CONCURRENCY=8} (Lambda Managed Instances), the database 2 ms away each way (a TCP proxy
     * holding every chunk 2 ms in each direction: a database in the next availability zone). The same number of
     * 10-message batches answered one at a time, then all submitted at once (eight run together), alternating for
     * three rounds after a warm-up; only the invocations are timed (the batches are encrypted beforehand). The ratio
     * is the time one at a time over the time at once.
     */
    private static void concurrency(RecorderFixture fixture, Path artifact, List<String> ids) throws Exception {
        int batches = Integer.getInteger("coldStart.concurrencyBatches", 200);
        var settings = fixture.database.settings();
        long[] oneAtATime = new long[3];
        long[] atOnce = new long[3];
        try (SqsClient sqs = fixture.servers.sqsClient();
             var latency = new uk.gov.ida.eventrecorder.testing.LatencyProxy(
                     java.net.URI.create("tcp://" + settings.host() + ":" + settings.port()), 2)) {
            TestQueue queue = TestQueue.standard(sqs);
            Map<String, String> env = fixture.processEnvironment();
            env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING").replace("port=" + settings.port(),
                    "port=" + java.net.URI.create(latency.endpoint()).getPort()));
            // -DcoldStart.concurrencyJavaOptions=… adds options to this process's (a flight recording of it).
            String extra = System.getProperty("coldStart.concurrencyJavaOptions");
            if (extra != null) {
                env.put("JAVA_TOOL_OPTIONS", LambdaRuntime.TEMPLATE_JAVA_OPTIONS + " " + extra);
            }
            try (LambdaRuntime lambda = LambdaRuntime.start(artifact, LambdaRuntime.EVENT_SOURCE_HANDLER, env, 8)) {
                long seed = 5000;
                // Warm-up: every handler thread's first batch, and the JIT, before anything is timed.
                List<String> warm = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    warm.add(LambdaRuntime.sqsEvent(batch(fixture, ids, seed++), queue.arn()));
                }
                answerAll(lambda, warm);
                for (int round = 0; round < 3; round++) {
                    List<String> sequential = new ArrayList<>();
                    List<String> concurrent = new ArrayList<>();
                    for (int i = 0; i < batches; i++) {
                        sequential.add(LambdaRuntime.sqsEvent(batch(fixture, ids, seed++), queue.arn()));
                        concurrent.add(LambdaRuntime.sqsEvent(batch(fixture, ids, seed++), queue.arn()));
                    }
                    long t0 = System.nanoTime();
                    for (String event : sequential) {
                        LambdaRuntime.Answer answer = lambda.invoke(event);
                        if (answer.error() || !answer.body().equals("{\"batchItemFailures\":[]}")) {
                            throw new IllegalStateException("a batch failed: " + answer.body() + lambda.output());
                        }
                    }
                    oneAtATime[round] = (System.nanoTime() - t0) / 1_000_000;
                    long t1 = System.nanoTime();
                    answerAll(lambda, concurrent);
                    atOnce[round] = (System.nanoTime() - t1) / 1_000_000;
                }
            }
        }
        double[] ratios = new double[3];
        for (int i = 0; i < 3; i++) {
            ratios[i] = oneAtATime[i] / (double) atOnce[i];
        }
        Arrays.sort(ratios);
        System.out.printf("AWS_LAMBDA_MAX_CONCURRENCY=8, one process under the runtime client, the database 2 ms away "
                        + "each way: %d 10-message batches one at a time %s ms, all at once %s ms: %.2fx median "
                        + "(the goal: at least 3x)%n", batches, Arrays.toString(oneAtATime),
                Arrays.toString(atOnce), ratios[1]);
    }

    private static void answerAll(LambdaRuntime lambda, List<String> events) {
        List<java.util.concurrent.CompletableFuture<LambdaRuntime.Answer>> all = new ArrayList<>();
        events.forEach(event -> all.add(lambda.submit(event)));
        for (var future : all) {
            LambdaRuntime.Answer answer = future.join();
            if (answer.error() || !answer.body().equals("{\"batchItemFailures\":[]}")) {
                throw new IllegalStateException("a batch failed: " + answer.body() + lambda.output());
            }
        }
    }

    /** Ten messages of the producers' mix, as SQS delivers them; their event ids are added to {@code ids}. */
    /** The runs of one side of an alternating run: {@code first} (0 or 1), then every second one. */
    private static long[] alternate(long[] runs, int first) {
        long[] side = new long[(runs.length + 1 - first) / 2];
        for (int run = first; run < runs.length; run += 2) {
            side[run / 2] = runs[run];
        }
        return side;
    }

    private static List<Message> batch(RecorderFixture fixture, List<String> ids, long seed) {
        List<Message> batch = new ArrayList<>();
        for (var event : EventMix.of(10, seed)) {
            ids.add(event.eventId());
            batch.add(Message.builder().messageId(UUID.randomUUID().toString()).receiptHandle("r")
                    .body(fixture.encrypt(event)).md5OfBody("-")
                    .attributesWithStrings(Map.of("ApproximateReceiveCount", "1")).build());
        }
        return batch;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
