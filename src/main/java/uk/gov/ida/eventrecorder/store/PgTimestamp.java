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

    // Every row's time stamp passes here, three times a billing event: String.format's parsing of its pattern was
    // the largest part of this (FleetBenchmark's profile), so the fields are padded by hand.
    static String format(LocalDateTime t) {
        int year = t.getYear();
        boolean bc = year <= 0;
        StringBuilder out = new StringBuilder(32);
        pad(out, bc ? 1 - year : year, 4);
        pad(out.append('-'), t.getMonthValue(), 2);
        pad(out.append('-'), t.getDayOfMonth(), 2);
        pad(out.append(' '), t.getHour(), 2);
        pad(out.append(':'), t.getMinute(), 2);
        pad(out.append(':'), t.getSecond(), 2);
        pad(out.append('.'), t.getNano() / 1_000, 6);
        return bc ? out.append(" BC").toString() : out.toString();
    }

    /** {@code value} (not negative) in at least {@code width} digits, zeros first. */
    private static void pad(StringBuilder out, int value, int width) {
        for (int limit = 10, digits = 1; digits < width; limit *= 10, digits++) {
            if (value < limit) {
                out.append('0');
            }
        }
        out.append(value);
    }
}
