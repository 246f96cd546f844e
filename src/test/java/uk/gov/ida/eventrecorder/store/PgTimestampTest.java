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

    @Test
    void padsEveryFieldToItsWidthAndDropsNanosecondsBelowAMicrosecond() {
        assertEquals("0099-09-09 09:09:09.000009", PgTimestamp.format(LocalDateTime.of(99, 9, 9, 9, 9, 9, 9_999)));
        assertEquals("0999-10-10 10:10:10.010000", PgTimestamp.format(LocalDateTime.of(999, 10, 10, 10, 10, 10,
                10_000_000)));
        assertEquals("1000-01-01 00:00:00.100000", PgTimestamp.format(LocalDateTime.of(1000, 1, 1, 0, 0, 0,
                100_000_999)));
        assertEquals("0010-01-01 00:00:00.000000 BC", PgTimestamp.format(LocalDateTime.of(-9, 1, 1, 0, 0)));
        // the same text as the pattern it replaced, across a spread of instants
        java.util.Random random = new java.util.Random(27);
        for (int i = 0; i < 10_000; i++) {
            LocalDateTime t = LocalDateTime.of(1 + random.nextInt(12_000), 1 + random.nextInt(12),
                    1 + random.nextInt(28), random.nextInt(24), random.nextInt(60), random.nextInt(60),
                    random.nextInt(1_000_000_000));
            String year = Integer.toString(t.getYear());
            assertEquals("0".repeat(Math.max(0, 4 - year.length())) + year + String.format(
                    "-%02d-%02d %02d:%02d:%02d.%06d", t.getMonthValue(), t.getDayOfMonth(), t.getHour(),
                    t.getMinute(), t.getSecond(), t.getNano() / 1_000), PgTimestamp.format(t));
        }
    }
}
