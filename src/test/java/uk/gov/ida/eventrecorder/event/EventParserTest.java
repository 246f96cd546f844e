package uk.gov.ida.eventrecorder.event;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.gov.ida.eventrecorder.testing.EventBuilder;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventParserTest {
    private final EventParser parser = new EventParser();

    @ParameterizedTest
    @CsvSource({"eventId", "eventType", "timestamp", "originatingService", "details"})
    void aMissingRequiredFieldIsRejectedNamingTheField(String field) {
        InvalidMessageException e = assertThrows(InvalidMessageException.class,
                () -> parser.parse(EventBuilder.otherSession().without(field).json()));
        assertEquals(RejectionReason.MISSING_FIELD, e.reason());
        assertTrue(e.getMessage().contains("'" + field + "'"), e.getMessage());
    }

    @Test
    void aFieldOfTheWrongTypeIsRejectedNamingTheFieldAndType() {
        String json = EventBuilder.otherSession().json().replaceFirst("\"originatingService\":\"hub\"",
                "\"originatingService\":42");
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> parser.parse(json));
        assertEquals(RejectionReason.TYPE, e.reason());
        assertEquals("'originatingService' must be a string, not number", e.getMessage());
    }

    @Test
    void anUnparseableTimestampIsATypeErrorThatGivesItsLengthNotItsText() {
        InvalidMessageException e = assertThrows(InvalidMessageException.class,
                () -> parser.parse(EventBuilder.otherSession().timestampIso("yesterday").json()));
        assertEquals(RejectionReason.TYPE, e.reason());
        assertEquals("'timestamp' (a string of 9 characters) is not an ISO-8601 date-time nor epoch milliseconds",
                e.getMessage());
    }

    @Test
    void anUnquotedWordIsDescribedInTheRecordersWordsNotQuotedAsJacksonWouldQuoteIt() {
        // A broken producer writing a pid without quotes: Jackson says "Unrecognized token 'PID…'".
        String json = EventBuilder.billing().json().replaceFirst("\"pid\":\"[^\"]*\"", "\"pid\":PID12345abc");
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> parser.parse(json));
        assertEquals(RejectionReason.JSON, e.reason());
        assertTrue(e.getMessage().startsWith("the event is not valid JSON at line 1, column ")
                && e.getMessage().endsWith("a word that is not a JSON value (text must be in double quotes)"),
                e.getMessage());
        assertFalse(e.getMessage().contains("PID12345abc"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"18446744073709551617", "9223372036854775808", "-9223372036854775809",
            "100000000000000000000000000000000000000000"})
    void anEpochTimestampBeyondALongIsRefusedAsOutOfRangeNotWrappedRound(String millis) {
        // 2^64 + 1 would wrap to 1 ms past 1970 and be recorded as a wrong, plausible time.
        String json = EventBuilder.otherSession().json().replaceFirst("\"timestamp\":[^,]+", "\"timestamp\":" + millis);
        assertTrue(json.contains(millis), json);
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> parser.parse(json));
        assertEquals(RejectionReason.TIMESTAMP_RANGE, e.reason());
        assertTrue(e.getMessage().contains("digits") && !e.getMessage().contains(millis), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"+294247-01-09T23:59:59.999999Z, true", "+294247-01-10T00:00:00Z, false",
            "+294276-12-31T23:59:59Z, false", "-4712-01-01T00:00:00Z, true", "-4713-12-31T23:59:59Z, false"})
    void aTimestampIsRecordedOnlyWhereTheDatabaseStoresItAndTheExportCanWriteIt(String timestamp, boolean recorded) {
        // PostgreSQL stores up to 294276 AD, but Parquet's 64-bit microseconds since 1970 end on 294247-01-10: a row
        // dated between the two could be recorded and never exported. One range, the narrower, on every path.
        String json = EventBuilder.otherSession().json()
                .replaceFirst("\"timestamp\":[^,]+", "\"timestamp\":\"" + timestamp + "\"");
        if (recorded) {
            assertEquals(Instant.parse(timestamp), parser.parse(json).timeStamp().toInstant(ZoneOffset.UTC));
        } else {
            InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> parser.parse(json));
            assertEquals(RejectionReason.TIMESTAMP_RANGE, e.reason());
            assertTrue(e.getMessage().contains("4713 BC to 294247-01-09"), e.getMessage());
        }
    }

    @Test
    void anIsoTimestampWithoutAZoneIsTakenAsUtc() {
        AuditEvent event = parser.parse(EventBuilder.otherSession().timestampIso("2018-02-10T12:00:00").json());
        assertEquals(LocalDateTime.parse("2018-02-10T12:00:00"), event.timeStamp());
    }

    @Test
    void brokenJsonIsRejectedWithItsPositionButNotItsContent() {
        InvalidMessageException e = assertThrows(InvalidMessageException.class,
                () -> parser.parse("{\"eventId\": \"secret-looking-value\", oops}"));
        assertEquals(RejectionReason.JSON, e.reason());
        assertTrue(e.getMessage().contains("line 1, column"), e.getMessage());
        assertTrue(!e.getMessage().contains("secret-looking-value"), e.getMessage());
    }

    @Test
    void unknownFieldsAreIgnored() {
        String json = EventBuilder.otherSession().json().replaceFirst("\\{", "{\"newField\":{\"a\":1},");
        assertEquals("hub", parser.parse(json).originatingService());
    }

    @Test
    void aBillingEventMissingDetailsIsKeptForTheAuditTrailWithAProblemNamingEveryMissingDetail() {
        AuditEvent event = parser.parse(EventBuilder.billing().withoutDetail("pid")
                .withoutDetail("minimum_level_of_assurance").json());
        assertTrue(event.billing().isEmpty());
        assertEquals(RejectionReason.INCOMPLETE_BILLING, event.derivedRowProblem().orElseThrow().reason());
        assertEquals("the billing event lacks details.pid, details.minimum_level_of_assurance",
                event.derivedRowProblem().orElseThrow().detail());
    }

    @Test
    void aBillingEventWithoutOptionalDetailsStillGetsItsRow() {
        AuditEvent event = parser.parse(EventBuilder.billing().withoutDetail("preferred_level_of_assurance")
                .withoutDetail("transaction_entity_id").json());
        assertTrue(event.derivedRowProblem().isEmpty());
        assertEquals(null, event.billing().orElseThrow().preferredLevelOfAssurance());
    }

    @Test
    void aFraudEventMapsItsDetailsToTheFraudRow() {
        AuditEvent event = parser.parse(EventBuilder.fraud().detail("gpg45_status", "DF01").json());
        FraudEvent fraud = event.fraud().orElseThrow();
        assertEquals("DF01", fraud.fraudIndicator());
        assertTrue(fraud.fraudEventId().startsWith("fraud-"));
    }

    @Test
    void aNulInsideAnEventIdIsRefusedRatherThanStoredAltered() {
        InvalidMessageException e = assertThrows(InvalidMessageException.class,
                () -> parser.parse(EventBuilder.otherSession().eventId("abc\u0000def").json()));
        assertEquals(RejectionReason.TYPE, e.reason());
        assertTrue(e.getMessage().contains("NUL"));
    }
}
