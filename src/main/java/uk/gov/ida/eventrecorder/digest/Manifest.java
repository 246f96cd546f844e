package uk.gov.ida.eventrecorder.digest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What one export of one table's day wrote, signed and chained (docs/export-and-verification.md). Its bytes, as
 * stored, are what the next manifest's {@code previous.sha256} and the signature cover; they are never re-encoded.
 *
 * @param sequence       its place in the one chain of every manifest, from 1, without gaps
 * @param table          {@code schema.table}
 * @param date           the UTC day, {@code YYYY-MM-DD}
 * @param part           0 for the day's export, n for its n-th addendum (rows that arrived after part 0)
 * @param snapshot       PostgreSQL's snapshot the rows were read in ({@code pg_current_snapshot()})
 * @param rows           rows in this part
 * @param firstTimeStamp the earliest day-column value among them (null when there are none)
 * @param lastTimeStamp  the latest
 * @param rowsSha256     {@link RowDigest} of this part's rows
 * @param keyColumns     the columns rows are ordered and identified by
 * @param previous       the manifest before this one in the chain; null only for sequence 1
 */
@JsonPropertyOrder({"format", "sequence", "table", "date", "part", "exportedAt", "snapshot", "rows", "firstTimeStamp",
        "lastTimeStamp", "rowsSha256", "columns", "keyColumns", "objects", "previous", "signingKey"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Manifest(String format, long sequence, String table, String date, int part, String exportedAt,
                       String snapshot, long rows, String firstTimeStamp, String lastTimeStamp, String rowsSha256,
                       List<Column> columns, List<String> keyColumns, List<StoredObject> objects, Link previous,
                       String signingKey) {
    public static final String FORMAT = "event-recorder-export/1";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public record Column(String name, String type) {
    }

    /** An object this part wrote: its key, its format ({@code parquet} or {@code csv.gz}), size and SHA-256. */
    public record StoredObject(String key, String format, long size, String sha256) {
    }

    /** A manifest's key and the SHA-256 of its stored bytes. */
    public record Link(String key, String sha256) {
    }

    public byte[] toBytes() {
        try {
            byte[] json = JSON.writeValueAsBytes(this);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a stored manifest; a manifest that does not parse is named by the caller, as tampered. */
    public static Manifest parse(byte[] bytes) throws IOException {
        Manifest manifest = JSON.readValue(bytes, Manifest.class);
        if (!FORMAT.equals(manifest.format())) {
            throw new IOException("not an " + FORMAT + " manifest (format " + manifest.format() + ")");
        }
        return manifest;
    }
}
