package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventProofTest {
    private final KeyPair pair;
    private final TreeBuilder tree = new TreeBuilder();
    private final List<LeafEntry> entries = new ArrayList<>();
    private final CheckpointObject signed;

    EventProofTest() throws GeneralSecurityException {
        pair = CheckpointTest.p256();
        for (int i = 0; i < 11; i++) {
            LeafEntry entry = new LeafEntry(i == 7 ? LeafEntry.Kind.REVISED : LeafEntry.Kind.RECORDED,
                    "audit.audit_events", "2026-12-07", List.of("event-" + i, "2026-12-07T10:00:00.000000Z"),
                    Rfc9162.sha256(new byte[]{(byte) i}));
            entries.add(entry);
            tree.append(entry.leafHash());
        }
        Checkpoint checkpoint = Checkpoint.genesis(Instant.parse("2026-12-07T04:00:00Z"))
                .next(tree.size(), tree.root(), Instant.parse("2026-12-07T04:01:00Z"));
        signed = CheckpointObject.signed(checkpoint, "1:1:", "key-1", CheckpointTest.sign(pair, checkpoint.text()),
                MerkleTree.consistencyProof(0, tree.size(), tree), entries.stream().map(LeafEntry::encode).toList());
    }

    private EventProof proof(int index) {
        return EventProof.of(entries.get(index), index, signed, tree);
    }

    @Test
    void aProofOfEveryLeafHoldsAndSurvivesItsJson() {
        for (int i = 0; i < entries.size(); i++) {
            EventProof proof = EventProof.decode(proof(i).encode());
            assertEquals(List.of(), proof.check(pair.getPublic()), "leaf " + i);
            assertEquals(proof(i), proof);
        }
    }

    @Test
    void aSignatureByAnotherKeyIsReported() throws GeneralSecurityException {
        assertEquals(List.of("signature: is not the public key's over the checkpoint text"),
                proof(3).check(CheckpointTest.p256().getPublic()));
    }

    @Test
    void aWrongLeafIsReported() {
        EventProof honest = proof(3);
        EventProof otherEntry = new EventProof(honest.table(), honest.key(), honest.day(), entries.get(4).encode(),
                3, entries.get(4).leafHash(), honest.inclusion(), honest.checkpoint(), honest.keyId(),
                honest.algorithm(), honest.signature());
        assertEquals(List.of("entry: its table, key or day differs from the proof's",
                "inclusion: the path from leaf 3 does not lead to the checkpoint's root at size 11"),
                otherEntry.check(pair.getPublic()));

        EventProof otherHash = new EventProof(honest.table(), honest.key(), honest.day(), honest.entry(), 3,
                entries.get(4).leafHash(), honest.inclusion(), honest.checkpoint(), honest.keyId(),
                honest.algorithm(), honest.signature());
        assertEquals(List.of("leaf hash: is not SHA-256(0x00 || entry)",
                "inclusion: the path from leaf 3 does not lead to the checkpoint's root at size 11"),
                otherHash.check(pair.getPublic()));

        EventProof otherIndex = new EventProof(honest.table(), honest.key(), honest.day(), honest.entry(), 2,
                honest.leafHash(), honest.inclusion(), honest.checkpoint(), honest.keyId(), honest.algorithm(),
                honest.signature());
        assertEquals(List.of("inclusion: the path from leaf 2 does not lead to the checkpoint's root at size 11"),
                otherIndex.check(pair.getPublic()));
    }

    @Test
    void aWrongRootIsReportedAndASignedWrongRootIsStillAWrongRoot() throws GeneralSecurityException {
        EventProof honest = proof(5);
        Checkpoint forged = new Checkpoint(1, 11, MerkleTree.emptyRoot(), 0, MerkleTree.emptyRoot(),
                honest.checkpoint().time());
        EventProof unsigned = new EventProof(honest.table(), honest.key(), honest.day(), honest.entry(), 5,
                honest.leafHash(), honest.inclusion(), forged, honest.keyId(), honest.algorithm(), honest.signature());
        assertEquals(List.of("inclusion: the path from leaf 5 does not lead to the checkpoint's root at size 11",
                "signature: is not the public key's over the checkpoint text"), unsigned.check(pair.getPublic()));

        EventProof signedButWrong = new EventProof(honest.table(), honest.key(), honest.day(), honest.entry(), 5,
                honest.leafHash(), honest.inclusion(), forged, honest.keyId(), honest.algorithm(),
                CheckpointTest.sign(pair, forged.text()));
        assertEquals(List.of("inclusion: the path from leaf 5 does not lead to the checkpoint's root at size 11"),
                signedButWrong.check(pair.getPublic()));
    }

    @Test
    void aProofClaimingAnotherRowThanItsEntryIsReported() {
        EventProof honest = proof(2);
        EventProof claimsOther = new EventProof("billing.billing_events", honest.key(), honest.day(), honest.entry(),
                2, honest.leafHash(), honest.inclusion(), honest.checkpoint(), honest.keyId(), honest.algorithm(),
                honest.signature());
        assertEquals(List.of("entry: its table, key or day differs from the proof's"),
                claimsOther.check(pair.getPublic()));
    }

    @Test
    void anEntryThatDoesNotDecodeIsReportedWithTheRuleItBreaks() {
        EventProof honest = proof(2);
        byte[] broken = honest.entry();
        broken[1] = 9;
        EventProof proof = new EventProof(honest.table(), honest.key(), honest.day(), broken, 2,
                MerkleTree.leafHash(broken), honest.inclusion(), honest.checkpoint(), honest.keyId(),
                honest.algorithm(), honest.signature());
        List<String> problems = proof.check(pair.getPublic());
        assertTrue(problems.get(0).startsWith("entry: does not decode (leaf entry kind 9"), problems.toString());
    }

    @Test
    void theJsonHasTheDocumentedFieldsInOrderAndDecodeIsStrict() {
        String json = new String(proof(0).encode(), StandardCharsets.UTF_8);
        assertTrue(json.matches("\\{\"format\":\"event-recorder-ledger-proof/1\",\"table\":\"audit.audit_events\","
                + "\"key\":\\[\"event-0\",\"2026-12-07T10:00:00.000000Z\"],\"day\":\"2026-12-07\",\"entry\":\"[^\"]+\","
                + "\"leafIndex\":0,\"leafHash\":\"[0-9a-f]{64}\",\"inclusion\":\\[(\"[0-9a-f]{64}\",?){4}],"
                + "\"checkpoint\":\"event-recorder-ledger/1\\\\nsequence 1\\\\n[^\"]+\",\"keyId\":\"key-1\","
                + "\"algorithm\":\"ECDSA_SHA_256\",\"signature\":\"[^\"]+\"}\n"), json);
        LedgerFormatException e = assertThrows(LedgerFormatException.class, () -> EventProof.decode(
                json.replace("\"leafIndex\":0", "\"leafIndex\":-1").getBytes(StandardCharsets.UTF_8)));
        assertEquals("the event proof's \"leafIndex\" is not a whole number from 0", e.getMessage());
        e = assertThrows(LedgerFormatException.class, () -> EventProof.decode(
                json.replace("\"leafIndex\":0", "\"leafIndex\":0.5").getBytes(StandardCharsets.UTF_8)));
        assertEquals("the event proof's \"leafIndex\" is not a whole number from 0", e.getMessage());
    }
}
