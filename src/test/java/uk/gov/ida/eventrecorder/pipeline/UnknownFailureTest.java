package uk.gov.ida.eventrecorder.pipeline;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An unknown failure (a bug) that one event's content meets fails that message alone, as the failure policy's table
 * (docs/operating.md, "When a dependency fails") says for the queue handlers; the batch's other events are recorded.
 * The bug is injected by a thin wrapper around the real pool's connections (no real server throws a RuntimeException on
 * demand): binding the rows of a batch that holds the marked event throws. Everything else is the real repository on
 * the real PostgreSQL.
 */
class UnknownFailureTest {
    private final RecorderFixture fixture = new RecorderFixture();
    private final EventParser parser = new EventParser();

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
    }

    @Test
    void aBugMetByOneEventFailsThatMessageAloneAndTheOthersAreRecorded() {
        List<EventBuilder> builders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            builders.add(i % 2 == 0 ? EventBuilder.billing() : EventBuilder.otherSession());
        }
        String poisoned = builders.get(2).eventId();
        EventRecorder recorder = new EventRecorder(new EventRepository(buggyFor(poisoned, fixture.database.dataSource()),
                new DatabaseCircuit(Duration.ofSeconds(30)), Duration.ofSeconds(20)));
        List<AuditEvent> events = builders.stream().map(b -> parser.parse(b.json())).toList();
        List<String> sources = builders.stream().map(b -> "m-" + b.eventId()).toList();

        List<MessageOutcome> outcomes = recorder.record(events, sources);

        assertEquals(List.of(false, false, true, false, false), outcomes.stream().map(MessageOutcome::failed).toList());
        assertEquals(RejectionReason.UNEXPECTED, outcomes.get(2).reason());
        assertEquals("java.lang.IllegalStateException", outcomes.get(2).detail());
        for (EventBuilder b : builders) {
            assertEquals(b.eventId().equals(poisoned) ? 0 : 1, fixture.tables.audit(b.eventId()).size());
        }
    }

    private static DataSource buggyFor(String eventId, DataSource real) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[]{DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(method, real, args);
                    return result instanceof Connection c ? buggy(eventId, c) : result;
                });
    }

    private static Connection buggy(String eventId, Connection real) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("createArrayOf") && Arrays.asList((Object[]) args[1]).contains(eventId)) {
                        throw new IllegalStateException("a bug met by " + eventId);
                    }
                    return invoke(method, real, args);
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
