package uk.gov.ida.eventrecorder.pipeline;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;

import javax.crypto.spec.SecretKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unusual but syntactically valid events, encrypted under the right key, through the pipeline into the real
 * PostgreSQL: each is stored exactly as sent, altered only by the one documented rule (an unstorable character in
 * details becomes its visible escape), or refused alone with its reason before the database, never as a database
 * failure. Values are read back from the tables.
 */
class HostileInputTest {
    private final RecorderFixture fixture = new RecorderFixture();
    private EventRepository repository;
    private EventPipeline pipeline;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        repository = fixture.database.repository();
        pipeline = new EventPipeline(new EventDecryptor(new SecretKeySpec(fixture.dataKey, "AES")), new EventParser(),
                repository, false);
    }

    @Test
    void aLoneSurrogateInDetailsIsStoredAsItsVisibleEscapeNeverAsAQuestionMark() {
        EventBuilder event = EventBuilder.errorEvent().detail("message", "before LONE after");

        MessageOutcome outcome = processOne(event.json().replace("LONE", "\\ud800"));

        assertEquals(MessageOutcome.Status.RECORDED, outcome.status(), outcome.detail());
        assertEquals("before \\ud800 after", storedDetail(event.eventId(), "message"));
    }

    @Test
    void aProperSurrogatePairAndLineSeparatorsAreStoredExactly() {
        EventBuilder event = EventBuilder.errorEvent().detail("message", "smile 😀 then\u2028and\u2029");

        assertEquals(MessageOutcome.Status.RECORDED, processOne(event.json()).status());
        assertEquals("smile 😀 then\u2028and\u2029", storedDetail(event.eventId(), "message"));
    }

    @Test
    void aLoneSurrogateInAKeyFieldIsRefusedWithItsReason() {
        MessageOutcome outcome = processOne(EventBuilder.otherSession().sessionId("s-LONE").json()
                .replace("LONE", "\\udc00"));

        assertEquals(RejectionReason.TYPE, outcome.reason());
        assertTrue(outcome.detail().contains("'sessionId' contains a lone UTF-16 surrogate (\\udc00)"),
                outcome.detail());
    }

    @Test
    void aKeyGivenTwiceAnywhereIsRefusedAsAmbiguousAndTheRestOfTheBatchIsRecorded() {
        EventBuilder twiceAtTop = EventBuilder.billing();
        String top = twiceAtTop.json().replaceFirst("\\{", "{\"eventId\":\"the-other-id\",");
        String nested = EventBuilder.billing().json().replace("\"pid\":", "\"pid\":\"first\",\"pid\":");
        EventBuilder good = EventBuilder.fraud();

        BatchOutcome outcome = process(top, nested, good.json());

        for (int i : new int[]{0, 1}) {
            assertEquals(RejectionReason.DUPLICATE_KEY, outcome.outcomes().get(i).reason());
            assertTrue(outcome.outcomes().get(i).detail().contains("is ambiguous"));
        }
        assertEquals(MessageOutcome.Status.RECORDED, outcome.outcomes().get(2).status());
        assertEquals(1, fixture.tables.count("audit.audit_events"), "only the unambiguous event");
    }

    @Test
    void keysTooLongForTheirIndexFailAloneBeforeTheDatabaseAndNeverAsAnOutage() {
        String longId = "é".repeat(501); // 1,002 bytes in UTF-8
        EventBuilder longPid = EventBuilder.billing().detail("pid", "p".repeat(2_000));
        EventBuilder good = EventBuilder.otherSession();

        BatchOutcome outcome = process(EventBuilder.errorEvent().eventId(longId).json(), longPid.json(), good.json());

        assertEquals(RejectionReason.TOO_LONG, outcome.outcomes().get(0).reason());
        assertTrue(outcome.outcomes().get(0).detail().contains("1002 bytes"), outcome.outcomes().get(0).detail());
        assertEquals(RejectionReason.TOO_LONG, outcome.outcomes().get(1).reason(), "the billing row's pid");
        assertTrue(outcome.outcomes().get(1).detail().contains("audit row recorded"));
        assertEquals(MessageOutcome.Status.RECORDED, outcome.outcomes().get(2).status());
        assertTrue(repository.acceptingWork(), "no database failure, no open circuit");
        assertEquals(0, fixture.tables.count("billing.billing_events"));
    }

    @Test
    void timestampsOutsidePostgresqlsRangeAreRefusedBeforeTheDatabase() {
        EventBuilder earliest = EventBuilder.errorEvent().timestampIso("-4712-01-01T00:00:00Z");
        BatchOutcome outcome = process(EventBuilder.errorEvent().timestampIso("+300000-01-01T00:00:00Z").json(),
                EventBuilder.errorEvent().timestampIso("-5000-01-01T00:00:00Z").json(), earliest.json());

        assertEquals(RejectionReason.TIMESTAMP_RANGE, outcome.outcomes().get(0).reason());
        assertEquals(RejectionReason.TIMESTAMP_RANGE, outcome.outcomes().get(1).reason());
        assertEquals(MessageOutcome.Status.RECORDED, outcome.outcomes().get(2).status(), "4713 BC is in range");
        assertEquals("4713-01-01 00:00:00 BC", fixture.tables.query("SELECT to_char(time_stamp, "
                + "'YYYY-MM-DD HH24:MI:SS BC') AS t FROM audit.audit_events WHERE event_id = ?", earliest.eventId())
                .get(0).get("t"), "stored as the instant sent (ISO year -4712 is 4713 BC)");
    }

    @Test
    void numbersKeepTheirExactValueWhateverTheirSize() {
        EventBuilder event = EventBuilder.errorEvent();
        String json = event.json().replace("\"details\":{", "\"details\":{\"exact\":1.00000000000000000001,"
                + "\"past53\":9007199254740993,\"huge\":123456789012345678901234567890,\"scale\":1.10,");

        assertEquals(MessageOutcome.Status.RECORDED, processOne(json).status());
        Map<String, Object> row = fixture.tables.query("SELECT details->>'exact' AS exact, details->>'past53' AS past53,"
                + " details->>'huge' AS huge, details->>'scale' AS scale FROM audit.audit_events WHERE event_id = ?",
                event.eventId()).get(0);
        assertEquals("1.00000000000000000001", row.get("exact"));
        assertEquals("9007199254740993", row.get("past53"));
        assertEquals("123456789012345678901234567890", row.get("huge"));
        assertEquals("1.10", row.get("scale"));
    }

    @Test
    void numbersBeyondWhatNumericStoresAreRefusedBeforeTheDatabase() {
        BatchOutcome outcome = process(
                EventBuilder.errorEvent().json().replace("\"details\":{", "\"details\":{\"n\":1E+200000,"),
                EventBuilder.errorEvent().json().replace("\"details\":{", "\"details\":{\"n\":22222E22222222222,"));

        for (MessageOutcome o : outcome.outcomes()) {
            assertEquals(RejectionReason.JSON, o.reason(), o.detail());
        }
        assertTrue(outcome.outcomes().get(0).detail().contains("PostgreSQL numeric"));
        assertTrue(repository.acceptingWork(), "the database never saw them");
    }

    @Test
    void nestingDeeperThanTheParserAcceptsIsRefusedAsJson() {
        String deep = "[".repeat(1_500) + "]".repeat(1_500);
        MessageOutcome outcome = processOne(EventBuilder.errorEvent().json()
                .replace("\"details\":{", "\"details\":{\"deep\":" + deep + ","));

        assertEquals(RejectionReason.JSON, outcome.reason());
        assertTrue(outcome.detail().contains("nested deeper than the 1,000 levels allowed"), outcome.detail());
    }

    private MessageOutcome processOne(String json) {
        return process(json).outcomes().get(0);
    }

    private BatchOutcome process(String... events) {
        List<InboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < events.length; i++) {
            batch.add(new InboundMessage("m" + i, fixture.encrypter.encrypt(events[i]), null));
        }
        return pipeline.process(batch, false);
    }

    private String storedDetail(String eventId, String name) {
        return (String) fixture.tables.query("SELECT details->>? AS v FROM audit.audit_events WHERE event_id = ?",
                name, eventId).get(0).get("v");
    }
}
