package uk.gov.ida.eventrecorder.ledger;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one leaf of the ledger says: that a row of an exported table was recorded, revised (its row hash is the row
 * as it is now) or removed. Its bytes (the auditor's guide, "The ledger: how to check it yourself"):
 * <pre>
 *   0x01 ‖ kind ‖ str(table) ‖ str(day) ‖ k ‖ k × str(key column) ‖ 32-byte row hash
 *   str(s) = 4-byte big-endian length of UTF-8(s) ‖ UTF-8(s)
 * </pre>
 * A length-prefixed form rather than a separator, so that no key text can make two entries' bytes equal.
 *
 * @param table   {@code schema.table}
 * @param day     the row's export day as the export writes it, or {@code infinity} / {@code -infinity}
 * @param key     the canonical text of each key column, in key order
 * @param rowHash the SHA-256 of the row's canonical encoding (the row digest's); 32 zero bytes for REMOVED
 */
public record LeafEntry(Kind kind, String table, String day, List<String> key, byte[] rowHash) {
    public static final int FORMAT = 0x01;
    private static final Pattern DAY = Pattern.compile("[+-]?\\d{4,}-\\d{2}-\\d{2}|infinity|-infinity");
    private static final byte[] NO_ROW = new byte[MerkleTree.HASH_BYTES];

    public enum Kind {
        RECORDED, REVISED, REMOVED;

        /** The byte an entry carries: the declaration order, which is therefore fixed. */
        public int code() {
            return ordinal();
        }

        /** The kind a stored code names (an entry's byte, a database column). */
        public static Kind of(int code) {
            if (code < 0 || code >= values().length) {
                throw new LedgerFormatException("leaf entry kind " + code + " is none of 0 RECORDED, 1 REVISED, "
                        + "2 REMOVED");
            }
            return values()[code];
        }
    }

    public LeafEntry {
        if (kind == null) {
            throw new LedgerFormatException("a leaf entry needs a kind");
        }
        if (table == null || !tableName(table)) {
            throw new LedgerFormatException("a leaf entry's table is schema.table in lower case");
        }
        if (day == null || !(plainDay(day) || DAY.matcher(day).matches())) {
            throw new LedgerFormatException("a leaf entry's day is an ISO date, infinity or -infinity");
        }
        if (key == null || key.isEmpty() || key.size() > 255 || key.stream().anyMatch(Objects::isNull)) {
            throw new LedgerFormatException("a leaf entry's key is 1 to 255 column values, none null");
        }
        key = List.copyOf(key);
        if (rowHash == null || rowHash.length != MerkleTree.HASH_BYTES) {
            throw new LedgerFormatException("a leaf entry's row hash is " + MerkleTree.HASH_BYTES + " bytes");
        }
        rowHash = rowHash.clone();
        if (kind == Kind.REMOVED && !Arrays.equals(rowHash, NO_ROW)) {
            throw new LedgerFormatException("a REMOVED leaf entry's row hash is 32 zero bytes");
        }
    }

    /**
     * {@code [a-z_]+\.[a-z_]+}, by hand: a run makes thousands of entries, and a pattern's matcher was most of the
     * making of each.
     */
    private static boolean tableName(String table) {
        int dot = table.indexOf('.');
        if (dot <= 0 || dot == table.length() - 1) {
            return false;
        }
        for (int i = 0; i < table.length(); i++) {
            char c = table.charAt(i);
            if (i != dot && c != '_' && (c < 'a' || c > 'z')) {
                return false;
            }
        }
        return true;
    }

    /** {@code yyyy-mm-dd}, the shape nearly every day has, without the pattern (which still takes the rest). */
    private static boolean plainDay(String day) {
        if (day.length() != 10 || day.charAt(4) != '-' || day.charAt(7) != '-') {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (i != 4 && i != 7 && (day.charAt(i) < '0' || day.charAt(i) > '9')) {
                return false;
            }
        }
        return true;
    }

    public static LeafEntry removed(String table, String day, List<String> key) {
        return new LeafEntry(Kind.REMOVED, table, day, key, NO_ROW);
    }

    @Override
    public byte[] rowHash() {
        return rowHash.clone();
    }

    public byte[] encode() {
        List<byte[]> texts = new java.util.ArrayList<>();
        texts.add(utf8(table, "table"));
        texts.add(utf8(day, "day"));
        for (int i = 0; i < key.size(); i++) {
            texts.add(utf8(key.get(i), "key column " + i));
        }
        int length = 2 + 1 + MerkleTree.HASH_BYTES + texts.stream().mapToInt(t -> 4 + t.length).sum();
        ByteBuffer out = ByteBuffer.allocate(length);
        out.put((byte) FORMAT).put((byte) kind.code());
        out.putInt(texts.get(0).length).put(texts.get(0));
        out.putInt(texts.get(1).length).put(texts.get(1));
        out.put((byte) key.size());
        for (byte[] text : texts.subList(2, texts.size())) {
            out.putInt(text.length).put(text);
        }
        out.put(rowHash);
        return out.array();
    }

    public byte[] leafHash() {
        return MerkleTree.leafHash(encode());
    }

    /** Reads an entry, refusing anything its {@link #encode()} would not have written. */
    public static LeafEntry decode(byte[] entry) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        need(in, 2, "format and kind");
        int format = Byte.toUnsignedInt(in.get());
        if (format != FORMAT) {
            throw new LedgerFormatException("leaf entry format " + format + " is not " + FORMAT);
        }
        Kind kind = Kind.of(Byte.toUnsignedInt(in.get()));
        String table = text(in, "table");
        String day = text(in, "day");
        need(in, 1, "key column count");
        int columns = Byte.toUnsignedInt(in.get());
        String[] key = new String[columns];
        for (int i = 0; i < columns; i++) {
            key[i] = text(in, "key column " + i);
        }
        need(in, MerkleTree.HASH_BYTES, "row hash");
        byte[] rowHash = new byte[MerkleTree.HASH_BYTES];
        in.get(rowHash);
        if (in.hasRemaining()) {
            throw new LedgerFormatException("leaf entry has " + in.remaining() + " bytes after its row hash");
        }
        return new LeafEntry(kind, table, day, List.of(key), rowHash);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LeafEntry e && Arrays.equals(encode(), e.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    /** Names the table and kind only: key values may identify a person. */
    @Override
    public String toString() {
        return "LeafEntry[" + kind + " " + table + "]";
    }

    private static String text(ByteBuffer in, String field) {
        need(in, 4, field + "'s length");
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new LedgerFormatException("leaf entry's " + field + " at byte " + (in.position() - 4)
                    + " claims " + Integer.toUnsignedString(length) + " bytes; " + in.remaining() + " remain");
        }
        ByteBuffer bytes = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new LedgerFormatException("leaf entry's " + field + " is not well-formed UTF-8");
        }
    }

    private static byte[] utf8(String text, String field) {
        // getBytes is exact for any string without surrogates (it would replace an unpaired one); only a string
        // that has some goes through the encoder that refuses an unpaired one.
        boolean surrogates = false;
        for (int i = 0; i < text.length() && !surrogates; i++) {
            surrogates = Character.isSurrogate(text.charAt(i));
        }
        if (!surrogates) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        try {
            ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(text));
            return Arrays.copyOf(bytes.array(), bytes.limit());
        } catch (CharacterCodingException e) {
            throw new LedgerFormatException("leaf entry's " + field + " has an unpaired surrogate: no UTF-8 for it");
        }
    }

    private static void need(ByteBuffer in, int bytes, String field) {
        if (in.remaining() < bytes) {
            throw new LedgerFormatException("leaf entry ends at byte " + in.limit() + ", before its " + field);
        }
    }
}
