package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqsEventHandlerTest {
    private final RecorderFixture fixture = new RecorderFixture();
    private SqsClient sqs;
    private TestQueue queue;
    private SqsEventHandler handler;
    private EventSourceMapping mapping;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
        queue = TestQueue.standard(sqs);
        handler = new SqsEventHandler(fixture.environment());
        mapping = new EventSourceMapping(sqs, queue, handler);
    }

    @AfterEach
    void tearDown() {
        handler.close();
        sqs.close();
    }

    @Test
    void recordsBillingFraudAndOtherEventsOfOneBatchInTheirTables() {
        EventBuilder billing = EventBuilder.billing().timestampMillis(1_518_264_452_000L).sessionId("session-b");
        EventBuilder fraud = EventBuilder.fraud().timestampMillis(1_518_264_453_000L).sessionId("session-f");
        EventBuilder other = EventBuilder.otherSession().timestampMillis(1_518_264_454_000L).sessionId("session-o");
        queue.send(fixture.encrypt(billing));
        queue.send(fixture.encrypt(fraud));
        queue.send(fixture.encrypt(other));

        SQSBatchResponse response = mapping.pollOnce();

        assertEquals(List.of(), response.getBatchItemFailures());
        Map<String, Object> audit = single(fixture.tables.audit(billing.eventId()));
        assertEquals(LocalDateTime.parse("2018-02-10T12:07:32"), audit.get("time_stamp"));
        assertEquals("hub", audit.get("originating_service"));
        assertEquals("session-b", audit.get("session_id"));
        assertEquals("session_event", audit.get("event_type"));
        assertTrue(((String) audit.get("details")).contains("\"session_event_type\": \"idp_authn_succeeded\""));

        Map<String, Object> bill = single(fixture.tables.billing(billing.eventId()));
        assertEquals(LocalDateTime.parse("2018-02-10T12:07:32"), bill.get("time_stamp"));
        assertEquals("session-b", bill.get("session_id"));
        assertEquals(detail(billing, "pid"), bill.get("hashed_persistent_id"));
        assertEquals(detail(billing, "request_id"), bill.get("request_id"));
        assertEquals(detail(billing, "idp_entity_id"), bill.get("idp_entity_id"));
        assertEquals("LEVEL_2", bill.get("minimum_level_of_assurance"));
        assertEquals("LEVEL_2", bill.get("provided_level_of_assurance"));
        assertEquals("LEVEL_2", bill.get("preferred_level_of_assurance"));
        assertEquals(detail(billing, "transaction_entity_id"), bill.get("transaction_entity_id"));

        Map<String, Object> fr = single(fixture.tables.fraud(fraud.eventId()));
        assertEquals(LocalDateTime.parse("2018-02-10T12:07:33"), fr.get("time_stamp"));
        assertEquals("session-f", fr.get("session_id"));
        assertEquals(detail(fraud, "pid"), fr.get("hashed_persistent_id"));
        assertEquals(detail(fraud, "request_id"), fr.get("request_id"));
        assertEquals(detail(fraud, "idp_entity_id"), fr.get("entity_id"));
        assertEquals(detail(fraud, "idp_fraud_event_id"), fr.get("fraud_event_id"));
        assertEquals("IT01", fr.get("fraud_indicator"));
        assertEquals(detail(fraud, "transaction_entity_id"), fr.get("transaction_entity_id"));

        assertEquals(1, fixture.tables.audit(other.eventId()).size());
        assertEquals(List.of(), fixture.tables.billing(other.eventId()));
        assertEquals(List.of(), fixture.tables.fraud(other.eventId()));
        assertEquals(List.of(), fixture.tables.billing(fraud.eventId()));
        assertEquals(3, fixture.tables.count("audit.audit_events"));
        assertEquals(0, queue.visible());
        assertEquals(0, queue.inFlight());
    }

    @Test
    void recordsADuplicateOnceWithinABatchAndAcrossBatchesAndAcknowledgesEveryCopy() {
        EventBuilder billing = EventBuilder.billing();
        EventBuilder fraud = EventBuilder.fraud();
        String billingBody = fixture.encrypt(billing);
        queue.send(billingBody);
        queue.send(billingBody);
        queue.send(fixture.encrypt(fraud));
        queue.send(fixture.encrypt(fraud)); // same event, encrypted again with a new IV, as a producer retry does

        assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());
        queue.send(billingBody);
        queue.send(fixture.encrypt(fraud));
        assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());

        assertEquals(1, fixture.tables.audit(billing.eventId()).size());
        assertEquals(1, fixture.tables.billing(billing.eventId()).size());
        assertEquals(1, fixture.tables.audit(fraud.eventId()).size());
        assertEquals(1, fixture.tables.fraud(fraud.eventId()).size());
        assertEquals(2, fixture.tables.count("audit.audit_events"));
        assertEquals(0, queue.visible() + queue.inFlight());
    }

    @Test
    void failsOnlyTheMessagesThatCannotBeReadAndRecordsTheRest() {
        EventBuilder good1 = EventBuilder.billing();
        EventBuilder good2 = EventBuilder.otherSession();
        String goodId1 = queue.send(fixture.encrypt(good1));
        String notBase64 = queue.send("this is not base64 !!!");
        String tooShort = queue.send("AAAAAAAAAAAAAAAAAAAAAA==");
        String otherKey = queue.send(new uk.gov.ida.eventrecorder.testing.EventEncrypter(
                uk.gov.ida.eventrecorder.testing.EventEncrypter.newKey(32)).encrypt(EventBuilder.billing().json()));
        String notJson = queue.send(fixture.encrypter.encrypt("{\"eventId\": "));
        String missingField = queue.send(fixture.encrypter.encrypt(EventBuilder.otherSession().without("eventType").json()));
        String goodId2 = queue.send(fixture.encrypt(good2));

        SQSBatchResponse response = mapping.pollOnce();

        assertEquals(Set.of(notBase64, tooShort, otherKey, notJson, missingField), failedIds(response));
        assertEquals(1, fixture.tables.audit(good1.eventId()).size());
        assertEquals(1, fixture.tables.billing(good1.eventId()).size());
        assertEquals(1, fixture.tables.audit(good2.eventId()).size());
        assertEquals(2, fixture.tables.count("audit.audit_events"));
        assertEquals(0, queue.visible());
        assertEquals(5, queue.inFlight(), "failed messages stay on the queue for retry");
        assertTrue(!failedIds(response).contains(goodId1) && !failedIds(response).contains(goodId2));
    }

    @Test
    void keepsTheAuditRowOfAnIncompleteBillingEventAndFailsItsMessageUntilItReachesTheDeadLetterQueue() {
        queue = TestQueue.standard(sqs, 2, 30);
        mapping = new EventSourceMapping(sqs, queue, handler);
        EventBuilder incomplete = EventBuilder.billing().withoutDetail("pid").withoutDetail("request_id");
        String id = queue.send(fixture.encrypt(incomplete));

        assertEquals(Set.of(id), failedIds(mapping.pollOnce()));
        mapping.expireVisibilityOfFailed();
        assertEquals(Set.of(id), failedIds(mapping.pollOnce()), "a retry fails again: the billing row is still missing");
        mapping.expireVisibilityOfFailed();

        assertEquals(1, fixture.tables.audit(incomplete.eventId()).size(), "the audit trail keeps the event once");
        assertEquals(0, fixture.tables.count("billing.billing_events"));
        // ElasticMQ moves a message to the DLQ on the receive after its last allowed one.
        assertNull(mapping.pollOnce());
        assertEquals(1, queue.deadLettered());
    }

    @Test
    void keepsTheAuditRowOfAnIncompleteFraudEventAndFailsItsMessage() {
        EventBuilder incomplete = EventBuilder.fraud().withoutDetail("gpg45_status");
        EventBuilder complete = EventBuilder.fraud();
        String id = queue.send(fixture.encrypt(incomplete));
        queue.send(fixture.encrypt(complete));

        assertEquals(Set.of(id), failedIds(mapping.pollOnce()));

        assertEquals(1, fixture.tables.audit(incomplete.eventId()).size());
        assertEquals(List.of(), fixture.tables.fraud(incomplete.eventId()));
        assertEquals(1, fixture.tables.fraud(complete.eventId()).size());
        assertEquals(1, queue.inFlight());
    }

    @Test
    void storesIsoAndEpochTimestampsAsTheSameUtcInstant() {
        EventBuilder epoch = EventBuilder.otherSession().timestampMillis(1_518_264_000_123L);
        EventBuilder iso = EventBuilder.otherSession().timestampIso("2018-02-10T12:00:00.123Z");
        EventBuilder offset = EventBuilder.otherSession().timestampIso("2018-02-10T13:00:00.123+01:00");
        queue.send(fixture.encrypt(epoch));
        queue.send(fixture.encrypt(iso));
        queue.send(fixture.encrypt(offset));

        assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());

        LocalDateTime expected = LocalDateTime.parse("2018-02-10T12:00:00.123");
        assertEquals(expected, single(fixture.tables.audit(epoch.eventId())).get("time_stamp"));
        assertEquals(expected, single(fixture.tables.audit(iso.eventId())).get("time_stamp"));
        assertEquals(expected, single(fixture.tables.audit(offset.eventId())).get("time_stamp"));
    }

    @Test
    void storesAnAbsentErrorEventSessionIdAsEmptyAndANullOneAsNull() {
        EventBuilder absent = EventBuilder.errorEvent().without("sessionId");
        EventBuilder isNull = EventBuilder.errorEvent().sessionIdNull();
        EventBuilder sessionEventWithoutSession = EventBuilder.otherSession().without("sessionId");
        queue.send(fixture.encrypt(absent));
        queue.send(fixture.encrypt(isNull));
        String invalid = queue.send(fixture.encrypt(sessionEventWithoutSession));

        assertEquals(Set.of(invalid), failedIds(mapping.pollOnce()));

        assertEquals("", single(fixture.tables.audit(absent.eventId())).get("session_id"));
        Map<String, Object> nullRow = single(fixture.tables.audit(isNull.eventId()));
        assertTrue(nullRow.containsKey("session_id"));
        assertNull(nullRow.get("session_id"));
        assertEquals(List.of(), fixture.tables.audit(sessionEventWithoutSession.eventId()));
    }

    @Test
    void recordsDetailsContainingNulWithTheCharacterWrittenOutInsteadOfLosingTheEvent() {
        EventBuilder withNul = EventBuilder.otherSession().detail("details", "before\u0000after");
        queue.send(fixture.encrypt(withNul));

        assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());

        String details = (String) single(fixture.tables.audit(withNul.eventId())).get("details");
        assertTrue(details.contains("before\\\\u0000after"), details);
    }

    @Test
    void onAFifoQueueFailsTheRestOfAGroupAfterItsFirstFailureButNotOtherGroups() {
        queue = TestQueue.fifo(sqs);
        mapping = new EventSourceMapping(sqs, queue, handler);
        EventBuilder a1 = EventBuilder.otherSession();
        EventBuilder a3 = EventBuilder.otherSession();
        EventBuilder b1 = EventBuilder.otherSession();
        EventBuilder b2 = EventBuilder.otherSession();
        String a1Id = queue.send(fixture.encrypt(a1), "group-a");
        String a2Id = queue.send("corrupt", "group-a");
        String a3Id = queue.send(fixture.encrypt(a3), "group-a");
        queue.send(fixture.encrypt(b1), "group-b");
        queue.send(fixture.encrypt(b2), "group-b");

        SQSBatchResponse response = mapping.pollOnce();

        assertEquals(Set.of(a2Id, a3Id), failedIds(response));
        assertTrue(!failedIds(response).contains(a1Id));
        assertEquals(1, fixture.tables.audit(a1.eventId()).size());
        assertEquals(List.of(), fixture.tables.audit(a3.eventId()), "a3 waits for a2, to keep the group's order");
        assertEquals(1, fixture.tables.audit(b1.eventId()).size());
        assertEquals(1, fixture.tables.audit(b2.eventId()).size());
    }

    private static Set<String> failedIds(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .collect(Collectors.toSet());
    }

    private static Map<String, Object> single(List<Map<String, Object>> rows) {
        assertEquals(1, rows.size(), "rows: " + rows);
        return rows.get(0);
    }

    private static String detail(EventBuilder event, String name) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(event.json()).path("details").path(name)
                    .asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
