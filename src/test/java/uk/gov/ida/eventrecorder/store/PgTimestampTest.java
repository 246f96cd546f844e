package uk.gov.ida.eventrecorder.store;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PgTimestampTest {
    @Test
    void writesYearsAsPostgresqlReadsThemFrom4713BcTo294276Ad() {
        assertEquals("4713-01-01 00:00:00.000000 BC", PgTimestamp.format(LocalDateTime.of(-4712, 1, 1, 0, 0)));
        assertEquals("0001-12-31 23:59:59.000000 BC", PgTimestamp.format(LocalDateTime.of(0, 12, 31, 23, 59, 59)));
        assertEquals("0001-01-01 00:00:00.000001", PgTimestamp.format(LocalDateTime.of(1, 1, 1, 0, 0, 0, 1_000)));
        assertEquals("2018-02-10 12:07:32.123456",
                PgTimestamp.format(LocalDateTime.of(2018, 2, 10, 12, 7, 32, 123_456_000)));
        assertEquals("294276-12-31 23:59:59.999999",
                PgTimestamp.format(LocalDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000)));
    }
}
