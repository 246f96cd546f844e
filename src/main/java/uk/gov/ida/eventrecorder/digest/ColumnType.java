package uk.gov.ida.eventrecorder.digest;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The column types the exported tables use, each with its value's Java form and its canonical text (README, "Export
 * and verification"): what the row digest hashes, so that anyone can recompute it from the database or the files.
 */
public enum ColumnType {
    /** {@code text}: a String, as stored. */
    TEXT,
    /** {@code jsonb}: a String, PostgreSQL's own text form of the value ({@code details::text}). */
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
                    + " (README, \"Export and verification\")");
        };
    }

    /** The value's canonical text; {@code value} is never null here. */
    public String canonical(Object value) {
        return switch (this) {
            case TEXT, JSON -> (String) value;
            case INT32, INT64, BOOLEAN -> value.toString();
            case TIMESTAMP -> MICROS.format(instantOfMicros((Long) value));
        };
    }

    public static Instant instantOfMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    public static long microsOf(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
