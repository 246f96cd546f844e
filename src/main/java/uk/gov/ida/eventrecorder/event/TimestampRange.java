package uk.gov.ida.eventrecorder.event;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The one rule for a timestamp outside what the recorder keeps, 4713 BC to 294247-01-09, on every path: the queue, an
 * archive line, an uploaded CSV. The start is PostgreSQL's ({@code timestamp} stores 4713 BC to 294276 AD:
 * <a href="https://www.postgresql.org/docs/15/datatype-datetime.html">date/time types</a>); the end is the daily
 * export's, whose Parquet timestamps are 64-bit microseconds since 1970 and end on 294247-01-10: a row dated between
 * the two could be recorded and never exported. It is applied to the instant before anything converts it, because
 * the driver does not refuse such a value: it sends a {@code LocalDateTime} before 4713 BC as {@code -infinity}, which
 * PostgreSQL stores, and one after 294276 AD is refused by the server with a message that quotes it. An instant beyond
 * {@code LocalDateTime}'s own years (an ISO string with an offset at year 999999999) is caught here too, rather than
 * escaping as a {@code DateTimeException}.
 */
public final class TimestampRange {
    /** The reason label every path gives such a value (logs, metrics, upload validation failures). */
    public static final String LABEL = RejectionReason.TIMESTAMP_RANGE.label();
    static final Instant EARLIEST = LocalDateTime.of(-4712, 1, 1, 0, 0).toInstant(ZoneOffset.UTC);
    /** The last day kept: the export's, whose Parquet timestamps end on the day after it. */
    public static final java.time.LocalDate LAST_DAY = java.time.LocalDate.of(294247, 1, 9);
    /** The first instant after {@link #LAST_DAY}, as PostgreSQL reads a timestamp (it takes no ISO {@code +}). */
    public static final String AFTER_LAST_DAY_SQL = "294247-01-10";
    static final Instant AFTER_LATEST = LAST_DAY.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);

    private TimestampRange() {
    }

    /**
     * The instant as the UTC date and time stored, to the microsecond.
     *
     * @param field the field's name, for the message
     * @throws InvalidMessageException {@link RejectionReason#TIMESTAMP_RANGE} outside the range
     */
    public static LocalDateTime utc(String field, Instant instant) {
        String outside = outside(instant);
        if (outside != null) {
            throw new InvalidMessageException(RejectionReason.TIMESTAMP_RANGE, "'" + field + "' is " + outside);
        }
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    /** Null within the range; otherwise why not, in the recorder's words (never the value). */
    public static String outside(Instant instant) {
        if (instant.isBefore(EARLIEST)) {
            return "before the range the recorder keeps (4713 BC to 294247-01-09)";
        }
        if (!instant.isBefore(AFTER_LATEST)) {
            return "after the range the recorder keeps (4713 BC to 294247-01-09)";
        }
        return null;
    }
}
