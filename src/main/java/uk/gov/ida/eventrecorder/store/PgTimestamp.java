package uk.gov.ida.eventrecorder.store;

import java.time.LocalDateTime;

/**
 * A timestamp as PostgreSQL reads it in text form. {@code LocalDateTime.toString()} writes ISO years, which
 * PostgreSQL misreads before year 1 ({@code -4712-01-01T00:00} fails: ISO year 0 is 1 BC) and after 9999
 * (a leading {@code +}); PostgreSQL writes {@code 4713-01-01 00:00:00 BC} and {@code 10000-01-01 00:00:00}
 * (<a href="https://www.postgresql.org/docs/15/datatype-datetime.html">date/time types</a>).
 */
final class PgTimestamp {
    private PgTimestamp() {
    }

    static String format(LocalDateTime t) {
        int year = t.getYear();
        boolean bc = year <= 0;
        StringBuilder out = new StringBuilder(32);
        String digits = Integer.toString(bc ? 1 - year : year);
        out.append("0".repeat(Math.max(0, 4 - digits.length()))).append(digits)
                .append(String.format("-%02d-%02d %02d:%02d:%02d.%06d", t.getMonthValue(), t.getDayOfMonth(),
                        t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1_000));
        return bc ? out.append(" BC").toString() : out.toString();
    }
}
