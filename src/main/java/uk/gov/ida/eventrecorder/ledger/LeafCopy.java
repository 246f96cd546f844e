package uk.gov.ida.eventrecorder.ledger;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Leaves as PostgreSQL's binary COPY format carries them, for {@code ledger.leaves (position, table_name, row_key,
 * day, kind, row_hash, leaf_hash)}: each value in its type's binary form, so nothing is quoted or escaped, whatever a
 * key holds (<a href="https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.4">COPY, binary format</a>;
 * the array layout is {@code array_send}'s). Written straight to the copy's stream: a checkpoint of one large
 * transaction's rows is never held twice.
 */
final class LeafCopy {
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    private static final int TEXT_OID = 25;

    private final DataOutputStream out;

    LeafCopy(OutputStream sink) throws IOException {
        out = new DataOutputStream(new BufferedOutputStream(sink, 1 << 16));
        out.write(SIGNATURE);
        out.writeInt(0);
        out.writeInt(0);
    }

    void add(long position, LeafEntry entry, byte[] leafHash) throws IOException {
        byte[][] key = new byte[entry.key().size()][];
        int keyBytes = 0;
        for (int i = 0; i < key.length; i++) {
            key[i] = utf8(entry.key().get(i));
            keyBytes += 4 + key[i].length;
        }
        out.writeShort(7);
        out.writeInt(8);
        out.writeLong(position);
        bytes(utf8(entry.table()));
        out.writeInt(20 + keyBytes);
        out.writeInt(1);
        out.writeInt(0);
        out.writeInt(TEXT_OID);
        out.writeInt(key.length);
        out.writeInt(1);
        for (byte[] k : key) {
            bytes(k);
        }
        bytes(utf8(entry.day()));
        out.writeInt(2);
        out.writeShort(entry.kind().code());
        bytes(entry.rowHash());
        bytes(leafHash);
    }

    /** The trailer, and everything written handed to the sink. */
    void end() throws IOException {
        out.writeShort(-1);
        out.flush();
    }

    private void bytes(byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
