package uk.gov.ida.eventrecorder.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.TestDatabase;
import uk.gov.ida.eventrecorder.testing.Tables;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventRepositoryTest {
    private final TestDatabase database = TestDatabase.get();
    private final Tables tables = new Tables(database.dataSource());
    private final EventRepository repository = database.repository();
    private final EventParser parser = new EventParser();

    @BeforeEach
    void setUp() {
        database.truncateAll();
    }

    @Test
    void aRowTheDatabaseRefusesIsIsolatedAndEveryOtherRowOfTheBatchIsWritten() {
        // Year 300000 is beyond PostgreSQL's timestamp range: a real refusal (class 22). The parser refuses it before
        // the database, so the row is built past the parser, as a future parser bug would let one through.
        List<EventBuilder> events = Stream.of(EventBuilder.billing(), EventBuilder.fraud(),
                EventBuilder.otherSession(), EventBuilder.billing(), EventBuilder.errorEvent()).toList();
        List<AuditEvent> parsed = new java.util.ArrayList<>(events.stream().map(e -> parser.parse(e.json())).toList());
        AuditEvent good = parsed.get(2);
        parsed.set(2, new AuditEvent(good.eventId(), java.time.LocalDateTime.of(300_000, 1, 1, 0, 0),
                good.originatingService(), good.sessionId(), good.eventType(), good.detailsJson(), good.billing(),
                good.fraud(), good.derivedRowProblem()));

        List<StoreResult> results = repository.record(parsed);

        assertEquals(StoreResult.Status.REJECTED, results.get(2).status());
        assertTrue(results.get(2).detail().startsWith("SQLSTATE 22"), results.get(2).detail());
        for (int i : new int[]{0, 1, 3, 4}) {
            assertEquals(StoreResult.Status.RECORDED, results.get(i).status());
            assertEquals(1, tables.audit(events.get(i).eventId()).size());
        }
        assertEquals(4, tables.count("audit.audit_events"));
        assertEquals(2, tables.count("billing.billing_events"));
        assertEquals(1, tables.count("billing.fraud_events"));
    }

    @Test
    void theSameEventTwiceInOneBatchIsRecordedOnceAndTheSecondCopyIsADuplicate() {
        AuditEvent event = parser.parse(EventBuilder.billing().json());

        List<StoreResult> results = repository.record(List.of(event, event));

        assertEquals(List.of(StoreResult.Status.RECORDED, StoreResult.Status.DUPLICATE),
                results.stream().map(StoreResult::status).toList());
        assertEquals(1, tables.count("billing.billing_events"));
    }

    @Test
    void anEventIdSeenAtAnotherTimeIsADifferentAuditRowButTheSameBillingRow() {
        EventBuilder first = EventBuilder.billing().timestampMillis(1_000_000L);
        AuditEvent a = parser.parse(first.json());
        AuditEvent b = parser.parse(first.timestampMillis(2_000_000L).json());

        assertEquals(StoreResult.Status.RECORDED, repository.record(List.of(a)).get(0).status());
        assertEquals(StoreResult.Status.RECORDED, repository.record(List.of(b)).get(0).status());

        assertEquals(2, tables.audit(first.eventId()).size(), "the audit key is (event_id, time_stamp)");
        assertEquals(1, tables.billing(first.eventId()).size(), "the billing key is event_id");
    }
}
