package uk.gov.ida.eventrecorder.demo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import uk.gov.ida.eventrecorder.lambda.QueueDrainHandler;
import uk.gov.ida.eventrecorder.lambda.SqsEventHandler;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventEncrypter;
import uk.gov.ida.eventrecorder.testing.EventMix;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code build/run-local.sh}: the recorder's real job on this machine, with no AWS account and no Docker. Events
 * are encrypted as the producers do, with a data key held as KMS ciphertext; they go through an SQS-protocol queue
 * (ElasticMQ) and the same handler classes Lambda runs, into the local PostgreSQL.
 */
@Command(name = "run-local", mixinStandardHelpOptions = true,
        description = "Send realistic encrypted events through a local queue and record them with the real handler.")
public final class LocalRun implements Callable<Integer> {
    @Option(names = {"-n", "--events"}, description = "distinct events to send (default ${DEFAULT-VALUE})")
    int events = 10_000;

    @Option(names = "--duplicates", description = "share of events sent twice, as redeliveries (default ${DEFAULT-VALUE})")
    double duplicateShare = 0.05;

    @Option(names = "--invalid", description = "share of extra messages that cannot be recorded (default ${DEFAULT-VALUE})")
    double invalidShare = 0.01;

    @Option(names = "--event-source", description = "feed the event-source handler in 10-message batches, as "
            + "Lambda's SQS event source mapping does, instead of the scheduled drain handler")
    boolean eventSource;

    private final PrintStream out = System.out;

    public static void main(String[] args) {
        int exit = new CommandLine(new LocalRun()).execute(args);
        System.exit(exit);
    }

    @Override
    public Integer call() throws Exception {
        out.println("Starting the KMS double, ElasticMQ and a fresh database on the local PostgreSQL...");
        RecorderFixture fixture = new RecorderFixture();
        Path log = Files.createTempFile("event-recorder-local-", ".log");
        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs, 2, 1);
            Sent sent = send(fixture, sqs, queue);
            out.printf("Sent %,d messages: %,d events, %,d duplicates, %,d invalid.%n", sent.messages(), events,
                    sent.duplicates(), sent.invalid());
            out.printf("Recording with the %s handler (its log: %s)...%n", eventSource ? "event-source" : "drain", log);

            long start = System.nanoTime();
            Progress progress = new Progress(fixture, out, events);
            progress.start();
            System.setOut(new PrintStream(new BufferedOutputStream(new FileOutputStream(log.toFile()), 1 << 16), true));
            try {
                record(fixture, sqs, queue);
            } finally {
                System.out.flush();
                System.setOut(out);
                progress.interrupt();
                progress.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // Failed messages come back after their visibility timeout; after two receives they move to the DLQ.
            for (int round = 0; round < 20 && queue.visible() + queue.inFlight() > 0; round++) {
                Thread.sleep(1_100);
                System.setOut(new PrintStream(new FileOutputStream(log.toFile(), true), true));
                try {
                    record(fixture, sqs, queue);
                } finally {
                    System.setOut(out);
                }
            }
            return summary(fixture, queue, sent, seconds, log);
        }
    }

    private record Sent(int messages, int duplicates, int invalid, long billing, long fraud) {
    }

    private Sent send(RecorderFixture fixture, SqsClient sqs, TestQueue queue) {
        Random random = new Random(42);
        List<EventBuilder> mix = EventMix.of(events, 7);
        List<String> bodies = new ArrayList<>();
        long billing = 0, fraud = 0;
        for (EventBuilder event : mix) {
            String json = event.json();
            billing += json.contains("idp_authn_succeeded") ? 1 : 0;
            fraud += json.contains("fraud_detected") ? 1 : 0;
            bodies.add(fixture.encrypter.encrypt(json));
        }
        int duplicates = (int) Math.round(events * duplicateShare);
        for (int i = 0; i < duplicates; i++) {
            bodies.add(bodies.get(random.nextInt(events)));
        }
        int invalid = (int) Math.round(events * invalidShare);
        EventEncrypter otherKey = new EventEncrypter(EventEncrypter.newKey(32));
        for (int i = 0; i < invalid; i++) {
            bodies.add(switch (i % 3) {
                case 0 -> "not-base64-at-all!";
                case 1 -> otherKey.encrypt(EventBuilder.billing().json());
                default -> fixture.encrypter.encrypt(EventBuilder.otherSession().without("eventId").json());
            });
        }
        java.util.Collections.shuffle(bodies, random);
        for (int i = 0; i < bodies.size(); i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (String body : bodies.subList(i, Math.min(i + 10, bodies.size()))) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                        .messageBody(body).build());
            }
            sqs.sendMessageBatch(r -> r.queueUrl(queue.url()).entries(entries));
            if ((i / 10) % 200 == 199) {
                out.printf("  sent %,d / %,d%n", i + 10, bodies.size());
            }
        }
        return new Sent(bodies.size(), duplicates, invalid, billing, fraud);
    }

    private void record(RecorderFixture fixture, SqsClient sqs, TestQueue queue) {
        Map<String, String> env = fixture.environment();
        if (eventSource) {
            try (SqsEventHandler handler = new SqsEventHandler(env)) {
                new EventSourceMapping(sqs, queue, handler).pollUntilEmpty();
            }
        } else {
            env.put("QUEUE_URL", queue.url());
            try (QueueDrainHandler handler = new QueueDrainHandler(env)) {
                handler.handleRequest(Map.of(), LambdaContext.withTimeout(900_000));
            }
        }
    }

    private int summary(RecorderFixture fixture, TestQueue queue, Sent sent, double seconds, Path log)
            throws java.io.IOException {
        long audit = fixture.tables.count("audit.audit_events");
        long billing = fixture.tables.count("billing.billing_events");
        long fraud = fixture.tables.count("billing.fraud_events");
        // The functions' JSON lines: each batch's line lists the message ids found already recorded; each failed
        // message has a line of its own.
        long duplicatesLogged = 0;
        long failuresLogged = 0;
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : Files.readAllLines(log)) {
            if (!line.startsWith("{")) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode node = json.readTree(line);
            if (node.has("_aws")) {
                duplicatesLogged += node.path("duplicate").size();
            }
            if (node.path("outcome").asText().equals("failed")) {
                failuresLogged++;
            }
        }
        out.println();
        out.println("Summary");
        out.printf("  events sent            %,d (+ %,d duplicates, %,d invalid)%n", events, sent.duplicates(), sent.invalid());
        out.printf("  recorded               audit.audit_events %,d | billing.billing_events %,d | billing.fraud_events %,d%n",
                audit, billing, fraud);
        out.printf("  duplicates             %,d (recorded once, acknowledged)%n", duplicatesLogged);
        out.printf("  failed                 %,d failures logged; %,d messages in the dead-letter queue, %,d still on the queue%n",
                failuresLogged, queue.deadLettered(), queue.visible() + queue.inFlight());
        out.printf("  wall time              %.2f s for the first pass, %,.0f events/s%n", seconds, events / seconds);
        out.println("  a few recorded rows:");
        fixture.tables.query("SELECT event_id, time_stamp, event_type, session_id FROM audit.audit_events "
                + "ORDER BY time_stamp LIMIT 3").forEach(r -> out.println("    audit   " + r));
        fixture.tables.query("SELECT event_id, hashed_persistent_id, provided_level_of_assurance, idp_entity_id "
                + "FROM billing.billing_events ORDER BY time_stamp LIMIT 2").forEach(r -> out.println("    billing " + r));
        fixture.tables.query("SELECT event_id, fraud_event_id, fraud_indicator, entity_id FROM billing.fraud_events "
                + "ORDER BY time_stamp LIMIT 2").forEach(r -> out.println("    fraud   " + r));
        boolean complete = audit == events && billing == sent.billing() && fraud == sent.fraud()
                && queue.deadLettered() == sent.invalid();
        out.println(complete ? "OK: every event was recorded once; every invalid message reached the dead-letter queue."
                : "NOT OK: expected " + events + " audit, " + sent.billing() + " billing, " + sent.fraud()
                + " fraud rows and " + sent.invalid() + " dead-lettered messages.");
        return complete ? 0 : 1;
    }

    /** Prints how many events are recorded, twice a second, while the handler works. */
    private static final class Progress extends Thread {
        private final RecorderFixture fixture;
        private final PrintStream out;
        private final int total;

        Progress(RecorderFixture fixture, PrintStream out, int total) {
            super("progress");
            setDaemon(true);
            this.fixture = fixture;
            this.out = out;
            this.total = total;
        }

        @Override
        public void run() {
            try {
                while (!isInterrupted()) {
                    Thread.sleep(500);
                    long recorded = fixture.tables.count("audit.audit_events");
                    out.printf("  recorded %,d / %,d%n", recorded, total);
                }
            } catch (InterruptedException | RuntimeException stopped) {
                // done
            }
        }
    }
}
