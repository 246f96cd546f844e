package uk.gov.ida.eventrecorder.digest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What one export of one table's day (or run of days without rows) wrote, signed and chained (the auditor's guide,
 * "The manifest"). Its bytes, as built, are what its link's signature and the next manifest's {@code previous.sha256}
 * cover; they are never re-encoded.
 *
 * @param sequence       its place in the one chain of every manifest, from 1, without gaps
 * @param table          {@code schema.table}
 * @param date           the UTC day, as {@link java.time.LocalDate#toString()} writes it ({@code -0043-03-15} too)
 * @param through        the last day it covers: {@code date} itself, or a later day when every day from {@code date}
 *                       to it has no row (one manifest for the run of empty days, not one a day)
 * @param part           0 for the day's export, n for its n-th addendum (rows that arrived after part 0)
 * @param snapshot       PostgreSQL's snapshot the rows were read in ({@code pg_current_snapshot()})
 * @param rows           rows in this part
 * @param firstTimeStamp the earliest day-column value among them (null when there are none)
 * @param lastTimeStamp  the latest
 * @param rowsSha256     {@link RowDigest} of this part's rows
 * @param keyColumns     the columns rows are ordered and identified by
 * @param previous       the manifest before this one in the chain (its key and the SHA-256 of its bytes, which its
 *                       link holds); null only for sequence 1
 * @param ledger         the ledger's checkpoint that covers this part's rows, and how many of them it need not cover;
 *                       absent (not written at all) when the database had no ledger yet
 */
@JsonPropertyOrder({"format", "sequence", "table", "date", "through", "part", "exportedAt", "snapshot", "rows", "firstTimeStamp",
        "lastTimeStamp", "rowsSha256", "columns", "keyColumns", "objects", "previous", "signingKey", "ledger"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Manifest(String format, long sequence, String table, String date, String through,
                       int part, String exportedAt,
                       String snapshot, long rows, String firstTimeStamp, String lastTimeStamp, String rowsSha256,
                       List<Column> columns, List<String> keyColumns, List<StoredObject> objects, Link previous,
                       String signingKey, @JsonInclude(JsonInclude.Include.NON_NULL) Ledger ledger) {
    public static final String FORMAT = "event-recorder-export/2";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A manifest without a ledger: what the export writes where the database has none yet. */
    public Manifest(String format, long sequence, String table, String date, String through, int part,
                    String exportedAt, String snapshot, long rows, String firstTimeStamp, String lastTimeStamp,
                    String rowsSha256, List<Column> columns, List<String> keyColumns, List<StoredObject> objects,
                    Link previous, String signingKey) {
        this(format, sequence, table, date, through, part, exportedAt, snapshot, rows, firstTimeStamp, lastTimeStamp,
                rowsSha256, columns, keyColumns, objects, previous, signingKey, null);
    }

    public record Column(String name, String type) {
    }

    /**
     * The ledger's tie to this part (the auditor's guide, "The ledger and the export").
     *
     * @param sequence            the latest published checkpoint the export's snapshot could see: every row it
     *                            covers on this day is in the day's exported parts
     * @param size                its tree size
     * @param root                its root, lower-case hex
     * @param rowsBeforeLedger    this part's rows recorded before the ledger began (no leaf will ever cover them)
     * @param rowsAfterCheckpoint this part's rows the checkpoint's snapshot could not see (a later one covers them)
     */
    @JsonPropertyOrder({"sequence", "size", "root", "rowsBeforeLedger", "rowsAfterCheckpoint"})
    public record Ledger(long sequence, long size, String root, long rowsBeforeLedger, long rowsAfterCheckpoint) {
    }

    /** An object this part wrote: its key, its format ({@code parquet} or {@code csv.gz}), size and SHA-256. */
    public record StoredObject(String key, String format, long size, String sha256) {
    }

    /** A manifest's key and the SHA-256 of its stored bytes. */
    public record Link(String key, String sha256) {
    }

    public java.time.LocalDate day() {
        return java.time.LocalDate.parse(date);
    }

    public java.time.LocalDate throughDay() {
        return java.time.LocalDate.parse(through);
    }

    /** The same manifest at its place in the chain. */
    public Manifest placed(long place, Link before, String keyId) {
        return new Manifest(format, place, table, date, through, part, exportedAt, snapshot, rows, firstTimeStamp,
                lastTimeStamp, rowsSha256, columns, keyColumns, objects, before, keyId, ledger);
    }

    public byte[] toBytes() {
        return jsonLine(this);
    }

    /** Reads a stored manifest; a manifest that does not parse is named by the caller, as tampered. */
    public static Manifest parse(byte[] bytes) throws IOException {
        return parse(bytes, Manifest.class, "manifest");
    }

    /**
     * The export's JSON objects (manifests, links): compact, fields in their declared order, one newline after. These
     * bytes are what is hashed and signed; they are never re-encoded.
     */
    static byte[] jsonLine(Object value) {
        try {
            byte[] json = JSON.writeValueAsBytes(value);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one of the export's JSON objects, refusing any other format than this one's. */
    static <T> T parse(byte[] bytes, Class<T> type, String what) throws IOException {
        T value = JSON.readValue(bytes, type);
        String format = value instanceof Manifest m ? m.format() : ((ChainLink) value).format();
        if (!FORMAT.equals(format)) {
            throw new IOException("not an " + FORMAT + " " + what + " (format " + format + ")");
        }
        return value;
    }
}
