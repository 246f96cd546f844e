package uk.gov.ida.eventrecorder.digest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The column types the exported tables use, each with its value's Java form and its canonical text
 * (docs/export-and-verification.md, "The row digest"): what the row digest hashes, so that anyone can recompute it from
 * the database or the files.
 */
public enum ColumnType {
    /** {@code text}: its UTF-8 bytes as the database sent them (a byte[]), or a String; as stored. */
    TEXT,
    /** {@code jsonb}: PostgreSQL's own text form of the value ({@code details::text}), as bytes or a String. */
    JSON,
    /** {@code integer}: an Integer, in decimal. */
    INT32,
    /** {@code bigint}: a Long, in decimal. */
    INT64,
    /** {@code boolean}: a Boolean, {@code true} or {@code false}. */
    BOOLEAN,
    /**
     * {@code timestamp} (UTC by the schema's convention): a Long of microseconds since 1970-01-01T00:00Z, written
     * {@code 2026-12-01T09:30:00.123456Z}, always six fraction digits.
     */
    TIMESTAMP;

    private static final DateTimeFormatter MICROS = DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** PostgreSQL's type name (as {@code ResultSetMetaData#getColumnTypeName} gives it) to the column's type. */
    public static ColumnType ofPostgres(String typeName) {
        return switch (typeName) {
            case "text", "varchar" -> TEXT;
            case "jsonb", "json" -> JSON;
            case "int4" -> INT32;
            case "int8", "bigserial" -> INT64;
            case "bool" -> BOOLEAN;
            case "timestamp" -> TIMESTAMP;
            // A column of another type needs its canonical form defined first: fail the export, loudly, not guess.
            default -> throw new IllegalArgumentException("no canonical form defined for PostgreSQL type " + typeName
                    + " (docs/export-and-verification.md)");
        };
    }

    /** The value's canonical text; {@code value} is never null here. */
    public String canonical(Object value) {
        return switch (this) {
            case TEXT, JSON -> value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : (String) value;
            case INT32, INT64, BOOLEAN -> value.toString();
            case TIMESTAMP -> timestamp((Long) value);
        };
    }

    /**
     * {@code YYYY-MM-DDTHH:MM:SS.ffffffZ} by arithmetic: the digest formats every timestamp of every row, and
     * DateTimeFormatter was a tenth of the export's time. Years outside 0000-9999 (which the recorder refuses) take
     * the formatter's form.
     */
    static String timestamp(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        long days = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return MICROS.format(instantOfMicros(micros));
        }
        char[] c = new char[27];
        digits(c, 0, year, 4);
        c[4] = '-';
        digits(c, 5, date.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, date.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, secondOfDay / 3600, 2);
        c[13] = ':';
        digits(c, 14, secondOfDay / 60 % 60, 2);
        c[16] = ':';
        digits(c, 17, secondOfDay % 60, 2);
        c[19] = '.';
        digits(c, 20, fraction, 6);
        c[26] = 'Z';
        return new String(c);
    }

    private static void digits(char[] into, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            into[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * The canonical text in UTF-8: what the digest hashes. Text read from the database is hashed as the bytes the
     * database sent (a text column's UTF-8), with no decoding and encoding again on the way.
     */
    public byte[] canonicalBytes(Object value) {
        return switch (this) {
            case TEXT, JSON -> value instanceof byte[] b ? b : ((String) value).getBytes(StandardCharsets.UTF_8);
            default -> canonical(value).getBytes(StandardCharsets.US_ASCII);
        };
    }

    public static Instant instantOfMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    public static long microsOf(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
