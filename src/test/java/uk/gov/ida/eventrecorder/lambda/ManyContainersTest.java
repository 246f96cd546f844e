package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sixteen containers (handler instances, each with its own pool of one connection) recording into one database at
 * once, with every event delivered many times in shuffled orders and batches, as a busy standard queue does.
 */
class ManyContainersTest {
    private static final int CONTAINERS = 16;
    private static final String QUEUE_ARN = "arn:aws:sqs:eu-west-2:000000000000:many-containers";
    private final RecorderFixture fixture = new RecorderFixture();
    private final String role = "recorder_many_" + UUID.randomUUID().toString().substring(0, 8);
    private final List<SqsEventHandler> handlers = new ArrayList<>();
    private ExecutorService threads;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        threads = Executors.newFixedThreadPool(CONTAINERS);
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        handlers.forEach(SqsEventHandler::close);
        fixture.database.admin("DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN "
                + "EXECUTE 'DROP OWNED BY " + role + "'; EXECUTE 'DROP ROLE " + role + "'; END IF; END $$");
    }

    @Test
    void everyEventDeliveredEightTimesToSixteenContainersIsRecordedExactlyOnce() throws Exception {
        List<EventBuilder> events = events(200);
        start(fixture.environment());
        List<List<SQSEvent.SQSMessage>> batches = shuffledBatches(events, 8, new Random(7));

        List<Set<String>> failures = runRound(batches);

        assertEquals(0, failures.stream().mapToInt(Set::size).sum(), "no delivery failed");
        assertEachRecordedOnce(events);
    }

    @Test
    void withTooFewConnectionsForTheRoleTheExcessFailFastAsDatabaseFailuresAndNothingIsLost() throws Exception {
        // Containers × pool = 16 connections wanted; the role may hold 4.
        fixture.database.admin("CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 4",
                "GRANT USAGE ON SCHEMA audit, billing TO " + role,
                "GRANT INSERT ON audit.audit_events, billing.billing_events, billing.fraud_events TO " + role,
                "GRANT SELECT (event_id, time_stamp) ON audit.audit_events TO " + role);
        Map<String, String> env = fixture.environment();
        env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING")
                .replace("user=" + fixture.database.settings().user(), "user=" + role));
        env.put("DB_CONNECT_TIMEOUT_MS", "500");
        List<EventBuilder> events = events(160);
        start(env);
        Random random = new Random(11);
        // One batch per container in the first round, so every container tries to connect once.
        List<List<SQSEvent.SQSMessage>> pending = shuffledBatches(events, 1, random);

        List<Set<String>> firstRound = runRound(pending);

        List<Integer> failing = new ArrayList<>();
        for (int c = 0; c < CONTAINERS; c++) {
            if (!firstRound.get(c).isEmpty()) {
                failing.add(c);
                assertEquals(pending.get(c).size(), firstRound.get(c).size(), "a database failure fails it all");
                assertEquals(1L, statements(c), "one attempt, no halving, for container " + c);
            }
        }
        assertEquals(CONTAINERS - 4, failing.size(), "the containers beyond the role's 4 connections fail");

        // The queue redelivers what failed; whichever container takes it next records it or fails it fast.
        int rounds = 1;
        pending = redeliveries(pending, firstRound, random);
        while (!pending.isEmpty() && rounds < 60) {
            pending = redeliveries(pending, runRound(pending, random.nextInt(CONTAINERS)), random);
            rounds++;
        }
        System.out.printf("connection limit: %d of %d containers failed to connect; every event recorded after %d "
                + "rounds of redelivery%n", failing.size(), CONTAINERS, rounds);
        assertTrue(pending.isEmpty(), "everything recorded in the end");
        assertEachRecordedOnce(events);
    }

    private void start(Map<String, String> env) {
        for (int c = 0; c < CONTAINERS; c++) {
            handlers.add(new SqsEventHandler(env));
        }
    }

    private List<Set<String>> runRound(List<List<SQSEvent.SQSMessage>> batches) throws Exception {
        return runRound(batches, 0);
    }

    /**
     * Batch i goes to container (i + offset) % 16; each container handles its batches one at a time, as Lambda
     * does. A different offset each round plays the poller handing a redelivered message to any container.
     */
    private List<Set<String>> runRound(List<List<SQSEvent.SQSMessage>> batches, int offset) throws Exception {
        List<Future<List<Set<String>>>> perContainer = new ArrayList<>();
        for (int c = 0; c < CONTAINERS; c++) {
            int first = c;
            int container = (c + offset) % CONTAINERS;
            perContainer.add(threads.submit(() -> {
                List<Set<String>> failed = new ArrayList<>();
                for (int b = first; b < batches.size(); b += CONTAINERS) {
                    SQSEvent event = new SQSEvent();
                    event.setRecords(batches.get(b));
                    SQSBatchResponse response = handlers.get(container).handleRequest(event,
                            LambdaContext.withTimeout(60_000));
                    failed.add(response.getBatchItemFailures().stream()
                            .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet()));
                }
                return failed;
            }));
        }
        List<Set<String>> failures = new ArrayList<>(Collections.nCopies(batches.size(), Set.of()));
        for (int c = 0; c < CONTAINERS; c++) {
            List<Set<String>> failed = perContainer.get(c).get();
            for (int k = 0; k < failed.size(); k++) {
                failures.set(c + k * CONTAINERS, failed.get(k));
            }
        }
        return failures;
    }

    private List<List<SQSEvent.SQSMessage>> redeliveries(List<List<SQSEvent.SQSMessage>> batches,
                                                        List<Set<String>> failures, Random random) {
        List<SQSEvent.SQSMessage> again = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            for (SQSEvent.SQSMessage m : batches.get(b)) {
                if (failures.get(b).contains(m.getMessageId())) {
                    again.add(m);
                }
            }
        }
        Collections.shuffle(again, random);
        return chunks(again, 1 + random.nextInt(10));
    }

    private List<List<SQSEvent.SQSMessage>> shuffledBatches(List<EventBuilder> events, int deliveries, Random random) {
        List<SQSEvent.SQSMessage> messages = new ArrayList<>();
        for (int d = 0; d < deliveries; d++) {
            for (EventBuilder event : events) {
                SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
                m.setMessageId(UUID.randomUUID().toString());
                m.setBody(fixture.encrypt(event));
                m.setEventSourceArn(QUEUE_ARN);
                m.setAttributes(Map.of("ApproximateReceiveCount", Integer.toString(d + 1)));
                messages.add(m);
            }
        }
        Collections.shuffle(messages, random);
        return chunks(messages, 10);
    }

    private static List<List<SQSEvent.SQSMessage>> chunks(List<SQSEvent.SQSMessage> messages, int size) {
        List<List<SQSEvent.SQSMessage>> batches = new ArrayList<>();
        for (int i = 0; i < messages.size(); i += size) {
            batches.add(new ArrayList<>(messages.subList(i, Math.min(messages.size(), i + size))));
        }
        return batches;
    }

    private long statements(int container) {
        return handlers.get(container).container().builtRepository().map(EventRepository::statementsExecuted)
                .orElse(0L);
    }

    private List<EventBuilder> events(int n) {
        List<EventBuilder> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(i % 3 == 0 ? EventBuilder.billing() : i % 3 == 1 ? EventBuilder.fraud()
                    : EventBuilder.otherSession());
        }
        return events;
    }

    private void assertEachRecordedOnce(List<EventBuilder> events) {
        assertEquals(events.size(), fixture.tables.count("audit.audit_events"));
        for (EventBuilder event : events) {
            assertEquals(1, fixture.tables.audit(event.eventId()).size(), event.eventId());
        }
        assertEquals(events.stream().filter(e -> e.json().contains("idp_authn_succeeded")).count(),
                fixture.tables.count("billing.billing_events"));
        assertEquals(events.stream().filter(e -> e.json().contains("fraud_detected")).count(),
                fixture.tables.count("billing.fraud_events"));
    }

}
