package uk.gov.ida.eventrecorder.digest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The digest of a day's rows of one table: SHA-256 over the canonical encoding of each row, in key order. A row's
 * encoding is its columns in the table's order, each either the byte {@code 0x00} (NULL) or the byte {@code 0x01},
 * the length of the value's canonical text in UTF-8 as four bytes big-endian, and those bytes
 * ({@link ColumnType#canonical}). Defined in docs/export-and-verification.md exactly enough to recompute it from the
 * database or from the exported files; {@code RowDigestTest} recomputes it with DuckDB from the Parquet files.
 */
public final class RowDigest {
    private final List<ColumnType> types;
    private final MessageDigest all = sha256();
    private byte[] buffer = new byte[1024];
    private long rows;

    public RowDigest(List<ColumnType> types) {
        this.types = List.copyOf(types);
    }

    /** Adds one row (values in column order, Java forms as {@link ColumnType} gives them). */
    public void add(Object[] row) {
        int length = encode(row);
        all.update(buffer, 0, length);
        rows++;
    }

    /** The SHA-256 of one row's encoding alone: how verification tells an altered row from an intact one. */
    public byte[] rowHash(Object[] row) {
        MessageDigest one = sha256();
        one.update(buffer, 0, encode(row));
        return one.digest();
    }

    public long rows() {
        return rows;
    }

    /** The digest, as lower-case hex; the digest cannot be added to afterwards. */
    public String finish() {
        return HexFormat.of().formatHex(all.digest());
    }

    private int encode(Object[] row) {
        int at = 0;
        for (int i = 0; i < types.size(); i++) {
            Object value = row[i];
            if (value == null) {
                at = ensure(at, 1);
                buffer[at++] = 0;
                continue;
            }
            byte[] text = types.get(i).canonicalBytes(value);
            at = ensure(at, 5 + text.length);
            buffer[at++] = 1;
            buffer[at++] = (byte) (text.length >>> 24);
            buffer[at++] = (byte) (text.length >>> 16);
            buffer[at++] = (byte) (text.length >>> 8);
            buffer[at++] = (byte) text.length;
            System.arraycopy(text, 0, buffer, at, text.length);
            at += text.length;
        }
        return at;
    }

    private int ensure(int at, int more) {
        if (at + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, at + more));
        }
        return at;
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
