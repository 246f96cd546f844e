package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointObjectTest {
    /** Sequence 1 over three leaves: a tree a checkpoint run could write after genesis. */
    static CheckpointObject signedObject(KeyPair pair) throws GeneralSecurityException {
        List<byte[]> entries = new ArrayList<>();
        TreeBuilder tree = new TreeBuilder();
        for (String id : List.of("a", "b", "c")) {
            LeafEntry entry = new LeafEntry(LeafEntry.Kind.RECORDED, "billing.billing_events", "2026-12-07",
                    List.of(id), LeafEntryTest.ROW_HASH);
            entries.add(entry.encode());
            tree.append(entry.leafHash());
        }
        Checkpoint checkpoint = Checkpoint.genesis(Instant.parse("2026-12-07T04:00:00Z"))
                .next(tree.size(), tree.root(), Instant.parse("2026-12-07T04:01:00.5Z"));
        return CheckpointObject.signed(checkpoint, "748:750:748", "arn:aws:kms:eu-west-2:111122223333:key/abc",
                CheckpointTest.sign(pair, checkpoint.text()), MerkleTree.consistencyProof(0, 3, tree), entries);
    }

    @Test
    void theObjectsBytesAreTheDocumentedJsonInTheDocumentedOrder() throws GeneralSecurityException {
        CheckpointObject object = signedObject(CheckpointTest.p256());
        String json = new String(object.encode(), StandardCharsets.UTF_8);
        String expected = "{\"format\":\"event-recorder-ledger/1\","
                + "\"checkpoint\":\"" + object.checkpoint().text().replace("\n", "\\n") + "\","
                + "\"snapshot\":\"748:750:748\","
                + "\"keyId\":\"arn:aws:kms:eu-west-2:111122223333:key/abc\",\"algorithm\":\"ECDSA_SHA_256\","
                + "\"signature\":\"" + Base64.getEncoder().encodeToString(object.signature()) + "\","
                + "\"consistency\":[],"
                + "\"entries\":[\"" + String.join("\",\"", object.entries().stream()
                .map(Base64.getEncoder()::encodeToString).toList()) + "\"]}\n";
        assertEquals(expected, json);
    }

    @Test
    void decodeGivesBackTheObjectAndEncodingItAgainGivesTheSameBytes() throws GeneralSecurityException {
        KeyPair pair = CheckpointTest.p256();
        CheckpointObject object = signedObject(pair);
        CheckpointObject read = CheckpointObject.decode(object.encode());
        assertArrayEquals(object.encode(), read.encode());
        assertEquals(object, read);
        assertTrue(read.signedBy(pair.getPublic()));
    }

    @Test
    void decodeNamesWhatIsWrong() throws GeneralSecurityException {
        String json = new String(signedObject(CheckpointTest.p256()).encode(), StandardCharsets.UTF_8);
        assertRejected(json.replace("\"format\":\"event-recorder-ledger/1\"", "\"format\":\"event-recorder-ledger/2\""),
                "\"format\" is not \"event-recorder-ledger/1\"");
        assertRejected(json.replace(",\"consistency\":[]", ""), "has no \"consistency\"");
        assertRejected(json.replace("\"748:750:748\"", "\"748:750:x\""), "snapshot is a pg_snapshot");
        assertRejected(json.replace("{", "{\"extra\":1,"), "a field its format does not define");
        assertRejected(json.replace("{", "{\"keyId\":\"x\","), "not one well-formed JSON object");
        assertRejected(json + "{}", "not one well-formed JSON object");
        assertRejected("[]", "not a JSON object");
        assertRejected(json.replace("\"consistency\":[]", "\"consistency\":[\"ABCD\"]"),
                "\"consistency\"[0] is not 64 lower-case hex digits");
        assertRejected(json.replace("\"consistency\":[]", "\"consistency\":\"\""), "\"consistency\" is not an array");
        assertRejected(json.replace("\"entries\":[\"", "\"entries\":[\"!"), "\"entries\"[0] is not base64");
        assertRejected(json.replace("\\ntime", "\\nnote x\\ntime"), "6 lines, not 7");
        assertRejected(json.replace("\"keyId\":\"arn", "\"keyId\":7,\"x\":\"arn").replace(",\"x\":\"arn:aws:kms:"
                + "eu-west-2:111122223333:key/abc\"", ""), "\"keyId\" is not a string");
    }

    @Test
    void base64IsAcceptedOnlyInItsCanonicalPaddedSpelling() throws GeneralSecurityException {
        CheckpointObject object = signedObject(CheckpointTest.p256());
        String json = new String(object.encode(), StandardCharsets.UTF_8);
        String entry = Base64.getEncoder().encodeToString(object.entries().get(0));
        assertTrue(entry.endsWith("="), "the test's entry needs padding to strip");
        assertRejected(json.replace(entry, entry.replace("=", "")), "canonical, padded form");
    }

    private static void assertRejected(String json, String message) {
        LedgerFormatException e = assertThrows(LedgerFormatException.class,
                () -> CheckpointObject.decode(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
