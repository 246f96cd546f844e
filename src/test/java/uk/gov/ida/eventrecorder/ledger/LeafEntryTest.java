package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeafEntryTest {
    static final byte[] ROW_HASH = Rfc9162.sha256("a row".getBytes(StandardCharsets.UTF_8));

    static LeafEntry recorded() {
        return new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events", "2026-12-07",
                List.of("event-1", "2026-12-07T10:15:30.123456Z"), ROW_HASH);
    }

    @Test
    void aKeyOutsideTheBasicPlaneIsItsUtf8AndAnUnpairedSurrogateIsRefusedNotReplaced() {
        LeafEntry paired = new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events", "2026-12-07",
                List.of("caf\u00e9 \uD83D\uDE00"), ROW_HASH);
        byte[] key = "caf\u00e9 \uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
        assertEquals(10, key.length, "four bytes for the emoji, two for the accent, one each for the rest");
        byte[] encoded = paired.encode();
        assertArrayEquals(key, Arrays.copyOfRange(encoded, encoded.length - 32 - key.length, encoded.length - 32));

        for (String unpaired : List.of("a\uD83D", "\uDE00b", "x\uDE00\uD83Dy")) {
            LeafEntry entry = new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events", "2026-12-07",
                    List.of("event-1", unpaired), ROW_HASH);
            LedgerFormatException refused = assertThrows(LedgerFormatException.class, entry::encode);
            assertEquals("leaf entry's key column 1 has an unpaired surrogate: no UTF-8 for it", refused.getMessage());
        }
    }

    @Test
    void anEntryTakesOnlyASchemaQualifiedLowerCaseTableAndAnIsoDay() {
        for (String table : List.of("audit.audit_events", "idp_data.upload_session_validation_failures", "_._")) {
            assertEquals(table, entry(table, "2026-12-07").table());
        }
        for (String table : List.of("audit", ".audit_events", "audit.", "Audit.events", "a.b.c", "a-b.c", "a.b ",
                "au dit.x", "a.\u00e9")) {
            assertEquals("a leaf entry's table is schema.table in lower case",
                    assertThrows(LedgerFormatException.class, () -> entry(table, "2026-12-07")).getMessage(), table);
        }
        for (String day : List.of("2026-12-07", "0001-01-01", "+12026-01-01", "-0044-03-15", "12026-01-01", "infinity",
                "-infinity")) {
            assertEquals(day, entry("audit.audit_events", day).day());
        }
        for (String day : List.of("2026-1-07", "2026/12/07", "2026-12-7", "26-12-07", "2026-12-07T00:00", "2026-12-0x",
                "\u0662\u0660\u0662\u0666-12-07", "Infinity", "")) {
            assertEquals("a leaf entry's day is an ISO date, infinity or -infinity",
                    assertThrows(LedgerFormatException.class, () -> entry("audit.audit_events", day)).getMessage(), day);
        }
    }

    private static LeafEntry entry(String table, String day) {
        return new LeafEntry(LeafEntry.Kind.RECORDED, table, day, List.of("event-1"), ROW_HASH);
    }

    @Test
    void anEntrysBytesAreTheDocumentedLayoutByteForByte() {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(0x01);
        expected.write(0);
        str(expected, "audit.audit_events");
        str(expected, "2026-12-07");
        expected.write(2);
        str(expected, "event-1");
        str(expected, "2026-12-07T10:15:30.123456Z");
        expected.writeBytes(ROW_HASH);

        assertArrayEquals(expected.toByteArray(), recorded().encode());
        assertArrayEquals(Rfc9162.leaf(expected.toByteArray()), recorded().leafHash());
    }

    @Test
    void everyKindDecodesToTheEntryItEncodes() {
        for (LeafEntry entry : List.of(recorded(),
                new LeafEntry(LeafEntry.Kind.REVISED, "billing.billing_events", "+10000-01-01", List.of("é"), ROW_HASH),
                LeafEntry.removed("idp_data.idp_fraud_event_contraindicators", "-infinity", List.of("7", "V03")))) {
            assertEquals(entry, LeafEntry.decode(entry.encode()));
            assertArrayEquals(entry.rowHash(), LeafEntry.decode(entry.encode()).rowHash());
        }
    }

    @Test
    void theKindIsItsDocumentedByte() {
        assertEquals(List.of(0, 1, 2), Arrays.stream(LeafEntry.Kind.values()).map(LeafEntry.Kind::code).toList());
        assertEquals(List.of("RECORDED", "REVISED", "REMOVED"),
                Arrays.stream(LeafEntry.Kind.values()).map(Enum::name).toList());
        assertEquals(LeafEntry.Kind.REMOVED, LeafEntry.Kind.of(2));
        assertThrows(LedgerFormatException.class, () -> LeafEntry.Kind.of(3));
        assertThrows(LedgerFormatException.class, () -> LeafEntry.Kind.of(-1));
    }

    @Test
    void decodeRejectsTrailingBytes() {
        byte[] bytes = Arrays.copyOf(recorded().encode(), recorded().encode().length + 1);
        assertRejected(bytes, "1 bytes after its row hash");
    }

    @Test
    void decodeRejectsAnUnknownKindOrFormat() {
        byte[] bytes = recorded().encode();
        bytes[1] = 3;
        assertRejected(bytes, "kind 3 is none of");
        bytes = recorded().encode();
        bytes[0] = 2;
        assertRejected(bytes, "format 2 is not 1");
    }

    @Test
    void decodeRejectsATruncatedStringOrRowHash() {
        byte[] bytes = recorded().encode();
        // The table's length says 18 bytes; claim one more than the whole entry holds.
        ByteBuffer.wrap(bytes).putInt(2, bytes.length);
        assertRejected(bytes, "table at byte 2 claims");
        assertRejected(Arrays.copyOf(recorded().encode(), 10), "table at byte 2 claims");
        assertRejected(Arrays.copyOf(recorded().encode(), 4), "before its table's length");
        assertRejected(Arrays.copyOf(recorded().encode(), recorded().encode().length - 1), "before its row hash");
        assertRejected(new byte[0], "before its format and kind");
    }

    @Test
    void decodeRejectsMalformedUtf8AndValuesTheConstructorRefuses() {
        LeafEntry entry = new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events", "2026-12-07", List.of("ab"),
                ROW_HASH);
        byte[] bytes = entry.encode();
        int keyAt = bytes.length - 32 - 2;
        bytes[keyAt] = (byte) 0xC3; // a lead byte with no continuation
        assertRejected(bytes, "key column 0 is not well-formed UTF-8");

        byte[] removed = LeafEntry.removed("audit.audit_events", "2026-12-07", List.of("x")).encode();
        removed[removed.length - 1] = 1;
        assertRejected(removed, "REMOVED leaf entry's row hash is 32 zero bytes");

        byte[] noKey = entry.encode();
        noKey[2 + 4 + 18 + 4 + 10] = 0;
        assertRejected(Arrays.copyOf(noKey, 2 + 4 + 18 + 4 + 10 + 1 + 32), "1 to 255 column values");
    }

    @Test
    void theConstructorRefusesWhatNoEntryMayHold() {
        assertThrows(LedgerFormatException.class, () -> new LeafEntry(LeafEntry.Kind.RECORDED, "Audit.Events",
                "2026-12-07", List.of("x"), ROW_HASH));
        assertThrows(LedgerFormatException.class, () -> new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events",
                "07/12/2026", List.of("x"), ROW_HASH));
        assertThrows(LedgerFormatException.class, () -> new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events",
                "2026-12-07", List.of("x"), new byte[31]));
        assertThrows(LedgerFormatException.class, () -> new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events",
                "2026-12-07", List.of(), ROW_HASH));
        LeafEntry lone = new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events", "2026-12-07",
                List.of("\uD800"), ROW_HASH);
        assertThrows(LedgerFormatException.class, lone::encode);
    }

    @Test
    void itsTextNamesNoKeyValue() {
        assertFalse(recorded().toString().contains("event-1"));
        assertTrue(recorded().toString().contains("audit.audit_events"));
    }

    @Test
    void aRemovedEntryCarriesZeroBytesForItsRow() {
        assertEquals("00".repeat(32), HexFormat.of().formatHex(
                LeafEntry.removed("audit.audit_events", "infinity", List.of("x")).rowHash()));
    }

    private static void assertRejected(byte[] bytes, String message) {
        LedgerFormatException e = assertThrows(LedgerFormatException.class, () -> LeafEntry.decode(bytes));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }
}
