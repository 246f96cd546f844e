package uk.gov.ida.eventrecorder.ledger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Leaves as PostgreSQL's binary COPY format carries them, for {@code ledger.leaves (position, table_name, row_key,
 * day, kind, row_hash, leaf_hash)}: each value in its type's binary form, so nothing is quoted or escaped, whatever a
 * key holds (<a href="https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.4">COPY, binary format</a>;
 * the array layout is {@code array_send}'s).
 */
final class LeafCopy {
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    private static final int TEXT_OID = 25;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    LeafCopy() {
        try {
            out.write(SIGNATURE);
            out.writeInt(0);
            out.writeInt(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void add(long position, LeafEntry entry, byte[] leafHash) {
        try {
            out.writeShort(7);
            out.writeInt(8);
            out.writeLong(position);
            text(entry.table());
            out.writeInt(20 + entry.key().stream().mapToInt(k -> 4 + utf8(k).length).sum());
            out.writeInt(1);
            out.writeInt(0);
            out.writeInt(TEXT_OID);
            out.writeInt(entry.key().size());
            out.writeInt(1);
            for (String k : entry.key()) {
                text(k);
            }
            text(entry.day());
            out.writeInt(2);
            out.writeShort(entry.kind().code());
            out.writeInt(entry.rowHash().length);
            out.write(entry.rowHash());
            out.writeInt(leafHash.length);
            out.write(leafHash);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stream with its trailer. */
    InputStream stream() {
        try {
            out.writeShort(-1);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }

    private void text(String value) throws IOException {
        byte[] utf8 = utf8(value);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
