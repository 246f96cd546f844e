package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    static final String ROOT = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
    static final String PREVIOUS = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7";
    static final String TEXT = """
            event-recorder-ledger/1
            sequence 42
            size 8
            root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
            previous 4 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
            time 2026-12-07T04:01:00.123Z
            """;

    static Checkpoint checkpoint() {
        return new Checkpoint(42, 8, HexFormat.of().parseHex(ROOT), 4, HexFormat.of().parseHex(PREVIOUS),
                Instant.parse("2026-12-07T04:01:00.123456Z"));
    }

    @Test
    void theTextIsTheDocumentedSixLinesWithTheTimeToTheMillisecond() {
        assertEquals(TEXT, checkpoint().text());
        assertEquals(checkpoint(), Checkpoint.parse(TEXT));
    }

    @Test
    void aWholeSecondPrintsWithoutAFractionAndParsesBack() {
        Checkpoint onTheSecond = Checkpoint.genesis(Instant.parse("2026-12-07T04:00:00Z"));
        assertTrue(onTheSecond.text().endsWith("time 2026-12-07T04:00:00Z\n"));
        assertTrue(onTheSecond.text().contains(
                "\nprevious 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"));
        assertEquals(onTheSecond, Checkpoint.parse(onTheSecond.text()));
    }

    @Test
    void theNextCheckpointsPreviousLineIsThisOnesSizeAndRoot() {
        Checkpoint next = checkpoint().next(9, MerkleTree.emptyRoot(), Instant.parse("2026-12-07T04:02:00Z"));
        assertEquals(43, next.sequence());
        assertEquals(8, next.previousSize());
        assertEquals(ROOT, HexFormat.of().formatHex(next.previousRoot()));
    }

    @Test
    void aClockThatSteppedBackNeverDatesACheckpointBeforeTheOneItExtends() {
        Checkpoint previous = checkpoint();
        Checkpoint next = previous.next(9, MerkleTree.emptyRoot(), previous.time().minusSeconds(300));
        assertEquals(previous.time(), next.time());
        Instant later = previous.time().plusSeconds(60);
        assertEquals(later, previous.next(9, MerkleTree.emptyRoot(), later).time());
    }

    @Test
    void parseRejectsExtraMissingAndReorderedLines() {
        assertRejected(TEXT + "note hello\n", "6 lines, not 7");
        assertRejected(TEXT.replace("size 8\n", ""), "6 lines, not 5");
        assertRejected(TEXT.replace("sequence 42\nsize 8\n", "size 8\nsequence 42\n"), "line 2 is not its sequence");
        assertRejected(TEXT.replace("event-recorder-ledger/1", "event-recorder-export/2"), "line 1 is not its format");
        assertRejected("\n" + TEXT, "6 lines, not 7");
    }

    @Test
    void parseRejectsUpperCaseHexAndNonCanonicalNumbers() {
        assertRejected(TEXT.replace(ROOT, ROOT.toUpperCase()), "line 4 is not its root");
        assertRejected(TEXT.replace(PREVIOUS, PREVIOUS.toUpperCase()), "line 5 is not its previous");
        assertRejected(TEXT.replace("size 8", "size 08"), "line 3 is not its size");
        assertRejected(TEXT.replace("size 8", "size +8"), "line 3 is not its size");
        assertRejected(TEXT.replace("size 8", "size  8"), "line 3 is not its size");
        assertRejected(TEXT.replace("sequence 42", "sequence 99999999999999999999"), "line 2 is not its sequence");
        assertRejected(TEXT.replace("sequence 42", "sequence 9999999999999999999"), "does not fit in 63 bits");
    }

    @Test
    void parseRejectsTrailingDataAndAMissingFinalNewline() {
        assertRejected(TEXT + "x", "ends with a newline");
        assertRejected(TEXT.substring(0, TEXT.length() - 1), "ends with a newline");
        assertRejected(TEXT + "\n", "6 lines, not 7");
        assertRejected(TEXT.replace("\n", "\r\n"), "is not its");
    }

    @Test
    void parseRejectsATimeThatIsNotTheCanonicalMillisecondForm() {
        assertRejected(TEXT.replace(".123Z", ".123456Z"), "millisecond-truncated");
        assertRejected(TEXT.replace(".123Z", ".1Z"), "millisecond-truncated");
        assertRejected(TEXT.replace("2026-12-07T04:01:00.123Z", "yesterday"), "time is not an ISO instant");
    }

    @Test
    void parseRejectsAShrinkingTree() {
        assertRejected(TEXT.replace("previous 4", "previous 9"), "previous size (9) <= size (8)");
    }

    @Test
    void aRealP256SignatureOverTheTextHoldsAndAnyChangeBreaksIt() throws GeneralSecurityException {
        KeyPair pair = p256();
        byte[] signature = sign(pair, checkpoint().text());
        assertTrue(Checkpoint.signatureHolds(pair.getPublic(), checkpoint(), "ECDSA_SHA_256", signature));
        assertFalse(Checkpoint.signatureHolds(pair.getPublic(), checkpoint().next(9, MerkleTree.emptyRoot(),
                checkpoint().time()), "ECDSA_SHA_256", signature));
        assertFalse(Checkpoint.signatureHolds(pair.getPublic(), checkpoint(), "ECDSA_SHA_384", signature));
        assertFalse(Checkpoint.signatureHolds(p256().getPublic(), checkpoint(), "ECDSA_SHA_256", signature));
        assertFalse(Checkpoint.signatureHolds(pair.getPublic(), checkpoint(), "ECDSA_SHA_256", new byte[]{1, 2}));
    }

    static KeyPair p256() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** What KMS Sign with ECDSA_SHA_256 and MessageType RAW returns: a DER signature over SHA-256 of the bytes. */
    static byte[] sign(KeyPair pair, String text) throws GeneralSecurityException {
        Signature ecdsa = Signature.getInstance("SHA256withECDSA");
        ecdsa.initSign(pair.getPrivate());
        ecdsa.update(text.getBytes(StandardCharsets.UTF_8));
        return ecdsa.sign();
    }

    private static void assertRejected(String text, String message) {
        LedgerFormatException e = assertThrows(LedgerFormatException.class, () -> Checkpoint.parse(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
