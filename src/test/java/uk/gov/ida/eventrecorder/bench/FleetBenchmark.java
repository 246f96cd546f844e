package uk.gov.ida.eventrecorder.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventMix;
import uk.gov.ida.eventrecorder.testing.LambdaRuntime;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestDatabase;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cost per event, as Lambda would run the recorder at scale (docs/performance.md). In one run, on one event source:
 * <ul>
 *   <li>the <b>recorder fleet</b>: {@code fleet.containers} (default 8) event-source containers, each the packaged
 *   artifact under Lambda's runtime interface client in its own JVM with the template's JVM options, each fed
 *   10-message batches by a poller playing the SQS event source mapping (receive, invoke, delete what did not fail);
 *   </li>
 *   <li>optionally the same fleet with other JVM options ({@code fleet.javaOptions}) or another artifact
 *   ({@code fleet.before}, e.g. an earlier build), for a before/after ratio the machine's noise does not decide;</li>
 *   <li>the <b>do-nothing fleet</b>: as many containers of a function that returns at once, same event source;</li>
 *   <li>the <b>database's ceiling</b>: as many plain JDBC clients, warmed, outside any handler's JVM, writing the same
 *   rows in the recorder's statement shape (its repository: unnest arrays, one transaction per 10 events).</li>
 * </ul>
 * With {@code fleet.ledger} (default true) the recorder fleet runs a second time with the ledger's checkpoint function
 * alongside ({@link LedgerAlongside}: the packaged export artifact's {@code LedgerHandler} under the runtime client,
 * every {@code fleet.ledgerIntervalMs}), for its events/s ratio, the runs' own CPU and what the ledger costs; the run
 * then ends by also checking that every recorded row is in exactly one leaf.
 * Each fleet is warmed with {@code fleet.warmup} events (default 8,000: a thousand a container) before
 * {@code fleet.events} (default 8,000) of the producers' mix are timed; {@code fleet.rounds} (default 2) rounds of
 * every fleet, the last counted. Printed: events/s and ratios; CPU-ms per event of the functions (their processes'
 * CPU time over the timed events, and of it their JIT compilers'), of PostgreSQL, of this JVM (the queue server and
 * the emulated event source) and of the machine; billed milliseconds per batch; log bytes per event (everything the
 * function processes wrote, init included); and a cost per million events from those figures. Ends by checking that every
 * event the recorder fleets and the ceiling were given is recorded exactly once.
 */
public final class FleetBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RECORDER = LambdaRuntime.EVENT_SOURCE_HANDLER;
    private static final AtomicInteger EMPTY_RECEIVES = new AtomicInteger();
    private static final String NOTHING = DoNothingHandler.class.getName() + "::handleRequest";
    /** The floor: {@link FloorHandler} alone in its own task folder, nothing of the recorder's artifact. */
    private static final String FLOOR = FloorHandler.class.getName() + "::handleRequest";

    /** What one fleet did over its timed events. */
    record Fleet(String name, int events, long millis, long cpuMillis, long compilerMillis, long logBytes,
                 int loggedEvents, long billedMillis, int invocations, Cpu.Use machine, LedgerAlongside.Use ledger) {
        double perSecond() {
            return events * 1000.0 / millis;
        }

        double cpuPerEvent() {
            return (double) cpuMillis / events;
        }

        double logPerEvent() {
            return (double) logBytes / loggedEvents;
        }

        double billedPerBatch() {
            return (double) billedMillis / invocations;
        }
    }

    public static void main(String[] args) throws Exception {
        int containers = Integer.getInteger("fleet.containers", 8);
        int events = Integer.getInteger("fleet.events", 8_000);
        int warmup = Integer.getInteger("fleet.warmup", 8_000);
        Path artifact = Path.of(System.getProperty("artifact.path", "target/event-recorder-lambda.jar"));
        RecorderFixture fixture = new RecorderFixture();
        fixture.database.truncateAll();
        // The ledger's comparison: the same recorder fleet with the checkpoint function running alongside. Its
        // genesis first, so that every row the run records is one the ledger must take.
        LedgerAlongside ledger = Boolean.parseBoolean(System.getProperty("fleet.ledger", "true"))
                ? LedgerAlongside.start(Path.of(System.getProperty("fleet.ledgerArtifact",
                "target/event-recorder-export.jar")), fixture.processEnvironment()) : null;
        List<String> recorded = new ArrayList<>();
        List<Fleet> fleets = new ArrayList<>();
        Map<String, String> templateOptions = fixture.processEnvironment();
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs, 3, 120);
            Cpu.Mark idle = Cpu.mark();
            Thread.sleep(3_000);
            Cpu.Use idleUse = idle.since();
            System.out.printf("idle: this JVM %d ms CPU, the machine %d ms busy, over 3 s%n", idleUse.selfMillis(),
                    idleUse.busyMillis());
            // Rounds of every fleet, the do-nothing fleet first: the first fleets also warm this JVM (the queue
            // server and the emulated event source), which the measured ones must not pay for. The last round counts.
            int rounds = Integer.getInteger("fleet.rounds", 2);
            for (int round = 1; round <= rounds; round++) {
                fleets.clear();
                System.out.printf("round %d of %d%n", round, rounds);
                fleets.add(fleet("do-nothing fleet (DoNothingHandler in the recorder's artifact)", artifact, NOTHING,
                        fixture.processEnvironment(), containers, warmup, events, fixture, sqs, queue,
                        new ArrayList<>()));
                fleets.add(fleet("floor fleet (FloorHandler alone)", artifact, FLOOR, fixture.processEnvironment(),
                        containers, warmup, events, fixture, sqs, queue, new ArrayList<>()));
                fleets.add(0, fleet("recorder fleet", artifact, RECORDER, templateOptions, containers, warmup, events,
                        fixture, sqs, queue, recorded));
                if (ledger != null) {
                    fleets.add(1, fleet("recorder fleet, ledger checkpoints alongside", artifact, RECORDER,
                            templateOptions, containers, warmup, events, fixture, sqs, queue, recorded, ledger));
                }
                String options = System.getProperty("fleet.javaOptions");
                if (options != null) {
                    Map<String, String> env = fixture.processEnvironment();
                    env.put("JAVA_TOOL_OPTIONS", options);
                    fleets.add(1, fleet("recorder fleet, " + options, artifact, RECORDER, env, containers, warmup,
                            events, fixture, sqs, queue, recorded));
                }
                String handler = System.getProperty("fleet.handler");
                if (handler != null) {
                    fleets.add(1, fleet("recorder fleet, " + handler, artifact, handler, templateOptions, containers,
                            warmup, events, fixture, sqs, queue, recorded));
                }
                String before = System.getProperty("fleet.before");
                if (before != null) {
                    // An earlier build may name another handler (-Dfleet.beforeHandler).
                    fleets.add(1, fleet("recorder fleet, " + before, Path.of(before),
                            System.getProperty("fleet.beforeHandler", RECORDER),
                            fixture.processEnvironment(), containers, warmup, events, fixture, sqs, queue, recorded));
                }
            }
        }
        Fleet ceiling = ceiling(fixture, containers, warmup, events, recorded);
        report(fleets, ceiling, containers);
        if (ledger != null) {
            ledgerReport(fleets, fixture, ledger);
        }
        long distinct = (Long) fixture.tables.query("SELECT count(DISTINCT event_id) AS n FROM audit.audit_events")
                .get(0).get("n");
        if (distinct != recorded.size() || fixture.tables.count("audit.audit_events") != recorded.size()) {
            throw new IllegalStateException("expected each of " + recorded.size() + " events once, found " + distinct
                    + " distinct in " + fixture.tables.count("audit.audit_events") + " rows");
        }
        System.out.println("every event recorded exactly once (" + recorded.size() + ")");
        if (ledger != null) {
            ledger.checkEveryRowInOneLeaf(fixture.tables);
            ledger.close();
        }
        System.exit(0);
    }

    private static Fleet fleet(String name, Path artifact, String handler, Map<String, String> env, int containers,
                               int warmup, int events, RecorderFixture fixture, SqsClient sqs, TestQueue queue,
                               List<String> recorded) throws Exception {
        return fleet(name, artifact, handler, env, containers, warmup, events, fixture, sqs, queue, recorded, null);
    }

    /** As above; with {@code ledger}, its schedule runs through the warm-up and the timed events. */
    private static Fleet fleet(String name, Path artifact, String handler, Map<String, String> env, int containers,
                               int warmup, int events, RecorderFixture fixture, SqsClient sqs, TestQueue queue,
                               List<String> recorded, LedgerAlongside ledger) throws Exception {
        List<LambdaRuntime> functions = new ArrayList<>();
        ExecutorService pollers = Executors.newFixedThreadPool(containers);
        try {
            for (int i = 0; i < containers; i++) {
                functions.add(handler.equals(FLOOR) ? LambdaRuntime.startAlone(FloorHandler.class, env)
                        : LambdaRuntime.start(artifact, handler, env, 1,
                        handler.equals(NOTHING) ? List.of(DoNothingHandler.class) : List.of()));
            }
            functions.forEach(LambdaRuntime::initMillis);
            // The ledger's figures cover this fleet's events, warm-up and timed: every run from the first after the
            // other fleets' rows are taken to the last, which takes the last of this fleet's.
            LedgerAlongside.Use ledgerMark = null;
            if (ledger != null) {
                ledger.catchUp();
                ledgerMark = ledger.mark();
                ledger.resume();
            }
            send(fixture, sqs, queue, warmup, recorded);
            drain(functions, pollers, sqs, queue, warmup, new long[1]);
            send(fixture, sqs, queue, events, recorded);
            long cpu = functions.stream().mapToLong(LambdaRuntime::cpuMillis).sum();
            long compiler = functions.stream().mapToLong(LambdaRuntime::compilerCpuMillis).sum();
            Cpu.Mark mark = Cpu.mark();
            long[] billed = new long[1];
            long started = System.nanoTime();
            EMPTY_RECEIVES.set(0);
            int invocations = drain(functions, pollers, sqs, queue, events, billed);
            long millis = (System.nanoTime() - started) / 1_000_000;
            LedgerAlongside.Use ledgerUse = null;
            if (ledger != null) {
                ledger.pause();
                ledger.catchUp();
                ledgerUse = ledger.since(ledgerMark);
            }
            Fleet fleet = new Fleet(name, events, millis,
                    functions.stream().mapToLong(LambdaRuntime::cpuMillis).sum() - cpu,
                    functions.stream().mapToLong(LambdaRuntime::compilerCpuMillis).sum() - compiler,
                    // Everything the functions wrote, init and warm-up included, over every event they were given.
                    functions.stream().mapToLong(LambdaRuntime::logBytes).sum(), warmup + events, billed[0],
                    invocations, mark.since(), ledgerUse);
            System.out.printf("%s: %,d events in %,d ms; %d empty receives%n", name, events, millis,
                    EMPTY_RECEIVES.getAndSet(0));
            return fleet;
        } finally {
            pollers.shutdownNow();
            functions.forEach(LambdaRuntime::close);
        }
    }

    /** Sends {@code count} events of the producers' mix, encrypted as the producers do, ten to a call. */
    private static void send(RecorderFixture fixture, SqsClient sqs, TestQueue queue, int count, List<String> ids)
            throws Exception {
        List<EventBuilder> mix = EventMix.of(count, System.nanoTime());
        mix.forEach(e -> ids.add(e.eventId()));
        ExecutorService senders = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int from = 0; from < count; from += 10) {
                List<EventBuilder> ten = mix.subList(from, Math.min(count, from + 10));
                sent.add(senders.submit(() -> {
                    List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (EventBuilder e : ten) {
                        entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                                .messageBody(fixture.encrypt(e)).build());
                    }
                    if (!sqs.sendMessageBatch(r -> r.queueUrl(queue.url()).entries(entries)).failed().isEmpty()) {
                        throw new IllegalStateException("a send failed");
                    }
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            senders.shutdown();
        }
    }

    /**
     * One poller a function, as the event source mapping: receive up to ten, invoke, delete those not failed; until
     * {@code count} messages are done. A failed message stops the benchmark: every event must be recorded.
     *
     * @return invocations made; {@code billed[0]} gains their durations in whole milliseconds, rounded up as Lambda
     * bills them
     */
    private static int drain(List<LambdaRuntime> functions, ExecutorService pollers, SqsClient sqs, TestQueue queue,
                             int count, long[] billed) throws Exception {
        AtomicInteger done = new AtomicInteger();
        AtomicInteger invocations = new AtomicInteger();
        ConcurrentLinkedQueue<Long> durations = new ConcurrentLinkedQueue<>();
        List<Future<?>> running = new ArrayList<>();
        for (LambdaRuntime function : functions) {
            running.add(pollers.submit(() -> {
                while (done.get() < count) {
                    List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                            .waitTimeSeconds(0).messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                            .messages();
                    if (messages.isEmpty()) {
                        EMPTY_RECEIVES.incrementAndGet();
                        Thread.sleep(1);
                        continue;
                    }
                    LambdaRuntime.Answer answer = function.invoke(LambdaRuntime.sqsEvent(messages, queue.arn()));
                    JsonNode failures = JSON.readTree(answer.body()).path("batchItemFailures");
                    if (answer.error() || failures.size() > 0) {
                        throw new IllegalStateException("the batch failed: " + answer.body() + "\n"
                                + function.output());
                    }
                    List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
                    for (Message m : messages) {
                        deletes.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(deletes.size()))
                                .receiptHandle(m.receiptHandle()).build());
                    }
                    sqs.deleteMessageBatch(r -> r.queueUrl(queue.url()).entries(deletes));
                    durations.add((answer.durationNanos() + 999_999) / 1_000_000);
                    invocations.incrementAndGet();
                    done.addAndGet(messages.size());
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        billed[0] += durations.stream().mapToLong(Long::longValue).sum();
        return invocations.get();
    }

    /**
     * The database's ceiling: as many JDBC clients as containers, each taking ten events at a time and writing them
     * with the recorder's repository (its statement shape), warmed first, in this JVM.
     */
    private static Fleet ceiling(RecorderFixture fixture, int clients, int warmup, int events, List<String> ids)
            throws Exception {
        EventParser parser = new EventParser();
        try (HikariDataSource pool = TestDatabase.open(fixture.database.settings(), clients)) {
            EventRepository repository = new EventRepository(pool, new DatabaseCircuit(Duration.ofSeconds(5)),
                    Duration.ofSeconds(30));
            for (int round = 0; round < 2; round++) {
                int count = round == 0 ? warmup : events;
                List<AuditEvent> parsed = new ArrayList<>();
                for (EventBuilder e : EventMix.of(count, System.nanoTime())) {
                    ids.add(e.eventId());
                    parsed.add(parser.parse(e.json()));
                }
                ConcurrentLinkedQueue<List<AuditEvent>> batches = new ConcurrentLinkedQueue<>();
                for (int from = 0; from < count; from += 10) {
                    batches.add(parsed.subList(from, Math.min(count, from + 10)));
                }
                ExecutorService writers = Executors.newFixedThreadPool(clients);
                Cpu.Mark mark = Cpu.mark();
                long started = System.nanoTime();
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    running.add(writers.submit(() -> {
                        List<AuditEvent> batch;
                        while ((batch = batches.poll()) != null) {
                            repository.record(batch);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get();
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                writers.shutdown();
                if (round == 1) {
                    return new Fleet("database ceiling", events, millis, 0, 0, 0, 1, 0, events / 10, mark.since(),
                            null);
                }
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * The figures, and a cost per million events from them. Prices (USD, us-east-1 list prices; check the region's):
     * Lambda arm64 $0.0000133334 per GB-second and $0.20 per million requests; SQS standard $0.40 per million requests
     * (the event source's receive and delete per batch; the producers' sends are theirs); CloudWatch Logs ingestion
     * $0.50 per GB. The template's memory (1,024 MB) and this machine's billed milliseconds (x86; arm64 differs).
     */
    private static void report(List<Fleet> fleets, Fleet ceiling, int containers) {
        Fleet nothing = fleets.get(fleets.size() - 1);
        Fleet recorder = fleets.get(0);
        System.out.printf("%n%d containers a fleet, 10-message batches of the producers' mix, %,d events timed%n",
                containers, recorder.events());
        System.out.printf("| | events/s | recorder fleet's ratio | CPU-ms an event: functions / PostgreSQL / "
                + "event source and queue / machine | machine busy | billed ms a batch | log bytes an event | $ a million events |%n");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Fleet f : fleets) {
            System.out.printf("| %s | %,.0f | %s | %.3f / %.3f / %.3f / %.3f | %.0f %% | %.1f | %.0f | %s |%n",
                    f.name(), f.perSecond(),
                    f == recorder ? "" : String.format("%.2f×", recorder.perSecond() / f.perSecond()),
                    f.cpuPerEvent(), f.machine().postgresMillis() / (double) f.events(),
                    f.machine().selfMillis() / (double) f.events(),
                    f.machine().busyMillis() / (double) f.events(), f.machine().busyPercent(), f.billedPerBatch(),
                    f.logPerEvent(), cost(f));
        }
        System.out.printf("| %s | %,.0f | %.2f× | – / %.3f / %.3f (the JDBC clients) / %.3f | %.0f %% | | | |%n",
                ceiling.name(), ceiling.perSecond(), recorder.perSecond() / ceiling.perSecond(),
                ceiling.machine().postgresMillis() / (double) ceiling.events(),
                ceiling.machine().selfMillis() / (double) ceiling.events(),
                ceiling.machine().busyMillis() / (double) ceiling.events(), ceiling.machine().busyPercent());
        for (Fleet f : fleets) {
            System.out.printf("%s: of its functions' %.3f CPU-ms an event, %.3f in the JIT compiler%n", f.name(),
                    f.cpuPerEvent(), f.compilerMillis() / (double) f.events());
        }
        System.out.printf("recorder's own CPU an event (recorder fleet less the last fleet, %s): %.3f ms%n",
                nothing.name(), recorder.cpuPerEvent() - nothing.cpuPerEvent());
        System.out.printf("warm function CPU an event, recorder against the floor: %.3f / %.3f ms = %.2f× (the goal: "
                + "at most 3×)%n", recorder.cpuPerEvent(), nothing.cpuPerEvent(),
                recorder.cpuPerEvent() / nothing.cpuPerEvent());
    }

    /**
     * The ledger's comparison (docs/performance.md, "The ledger"): the recorder fleet with the checkpoint runs
     * alongside against the one without, and what the runs cost: their own CPU, Lambda GB-seconds at the ledger
     * function's memory, PUTs and Signs (one each a checkpoint), the database's and the bucket's bytes a leaf.
     */
    private static void ledgerReport(List<Fleet> fleets, RecorderFixture fixture, LedgerAlongside ledger) {
        Fleet without = fleets.get(0);
        Fleet with = fleets.stream().filter(f -> f.ledger() != null).findFirst().orElseThrow();
        LedgerAlongside.Use use = with.ledger();
        System.out.printf("%nledger: events/s with the checkpoint runs alongside %,.0f, without %,.0f: %.2f× (the goal: "
                + "at least 0.95×)%n", with.perSecond(), without.perSecond(), with.perSecond() / without.perSecond());
        System.out.printf("ledger: recorder function CPU an event with %.3f ms, without %.3f ms; machine busy %.0f %% "
                + "/ %.0f %%%n", with.cpuPerEvent(), without.cpuPerEvent(), with.machine().busyPercent(),
                without.machine().busyPercent());
        int events = with.loggedEvents(); // the fleet's warm-up and timed events: what the runs took
        System.out.printf("ledger: over the fleet's %,d events (warm-up and timed), %d runs every %d ms (%d checkpoints, "
                + "%d found nothing new, %d found another run holding the lock), %,d new leaves (%.2f an event); the "
                + "runs' own CPU %d ms (%.3f ms an event, %.1f ms a run), billed %d ms (%.1f ms a run, worst %d ms)%n",
                events, use.runs(), Long.getLong("fleet.ledgerIntervalMs", 1000), use.checkpoints(),
                use.runs() - use.checkpoints() - use.busy(), use.busy(), use.leaves(),
                (double) use.leaves() / events, use.cpuMillis(), (double) use.cpuMillis() / events,
                (double) use.cpuMillis() / Math.max(1, use.runs()), use.billedMillis(),
                (double) use.billedMillis() / Math.max(1, use.runs()), use.worstMillis());
        int memory = LedgerAlongside.memoryMb();
        double perMillion = 1_000_000.0 / events;
        double gbSeconds = use.billedMillis() / 1000.0 * memory / 1024.0 * perMillion;
        double lambda = gbSeconds * LedgerAlongside.LAMBDA_GB_SECOND + use.runs() * perMillion
                * LedgerAlongside.LAMBDA_REQUEST;
        double puts = use.checkpoints() * perMillion;
        double dbBytes = LedgerAlongside.databaseBytesPerLeaf(fixture.tables);
        double leavesPerEvent = (double) use.leaves() / events;
        System.out.printf("ledger cost a million events at this run's interval: Lambda %.2f GB-s at %d MB ($%.5f with "
                        + "%,.0f requests), %,.0f PUTs ($%.5f), %,.0f KMS Signs ($%.5f): $%.5f in all, against $0.179 a "
                        + "million recorded events (the goal: under a tenth, $0.0179)%n", gbSeconds, memory, lambda,
                use.runs() * perMillion, puts, puts * LedgerAlongside.S3_PUT, puts,
                puts * LedgerAlongside.KMS_SIGN,
                lambda + puts * (LedgerAlongside.S3_PUT + LedgerAlongside.KMS_SIGN));
        System.out.printf("ledger cost a million events at the schedule's minute, where a busy minute's PUT and Sign "
                        + "are at most 1,440 a day whatever the rate: Lambda for the leaves' work %.2f GB-s ($%.5f, "
                        + "the runs' billed time a leaf, %.3f ms, times %.2f leaves an event)%n",
                use.billedMillis() / 1000.0 * memory / 1024.0 * perMillion, use.billedMillis() / 1000.0 * memory
                        / 1024.0 * perMillion * LedgerAlongside.LAMBDA_GB_SECOND,
                (double) use.billedMillis() / Math.max(1, use.leaves()), leavesPerEvent);
        long leaves = LedgerAlongside.leafCount(fixture.tables);
        double s3Bytes = (double) ledger.objectBytes() / leaves;
        System.out.printf("ledger storage a million leaves: the database %.0f MB (leaves, their index, nodes, "
                        + "checkpoints, as the runs wrote them: %.0f bytes a leaf), $%.4f a month at $%.3f a GB-month; "
                        + "the bucket's checkpoint objects %.0f MB, $%.4f a month at $%.3f%n", dbBytes, dbBytes,
                dbBytes / 1000 * LedgerAlongside.DB_GB_MONTH, LedgerAlongside.DB_GB_MONTH, s3Bytes,
                s3Bytes / 1000 * LedgerAlongside.S3_GB_MONTH, LedgerAlongside.S3_GB_MONTH);
    }

    private static String cost(Fleet f) {
        double batches = 1_000_000.0 / 10;
        double gbSeconds = batches * f.billedPerBatch() / 1000.0 * 1.0;
        double lambda = gbSeconds * 0.0000133334 + batches * 0.20 / 1_000_000;
        double sqs = batches * 2 * 0.40 / 1_000_000;
        double logs = f.logPerEvent() * 1_000_000 / 1e9 * 0.50;
        return String.format("%.3f (Lambda %.3f, SQS %.3f, logs %.3f)", lambda + sqs + logs, lambda, sqs, logs);
    }
}
