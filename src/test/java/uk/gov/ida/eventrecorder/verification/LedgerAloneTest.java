package uk.gov.ida.eventrecorder.verification;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.ledger.Checkpoint;
import uk.gov.ida.eventrecorder.ledger.CheckpointObject;
import uk.gov.ida.eventrecorder.ledger.LeafEntry;
import uk.gov.ida.eventrecorder.ledger.LedgerLayout;
import uk.gov.ida.eventrecorder.ledger.MerkleTree;
import uk.gov.ida.eventrecorder.ledger.TreeBuilder;
import uk.gov.ida.eventrecorder.testing.Moto;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A bucket that holds a ledger and no export yet (the first day after the ledger began) is verified as a ledger
 * alone, not refused as "nothing to verify"; and a tree rebuilt across checkpoints of many sizes (the right edge
 * only) gives every root, whatever the sizes' bits.
 */
class LedgerAloneTest {
    @Test
    void aLedgerOfCheckpointsOfEverySizeWithoutAnExportIsIntact() throws Exception {
        Moto moto = Moto.get();
        S3Client s3 = moto.s3();
        String bucket = moto.plainBucket(s3);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = generator.generateKeyPair();
        TreeBuilder tree = new TreeBuilder();
        Checkpoint previous = Checkpoint.genesis(Instant.parse("2026-12-07T04:00:00Z"));
        put(s3, bucket, key, previous, List.of(), List.of());
        long[] sizes = {1, 2, 3, 7, 8, 9, 16, 17, 33, 64, 65, 100};
        int sequence = 1;
        for (long size : sizes) {
            List<byte[]> entries = new ArrayList<>();
            while (tree.size() < size) {
                byte[] entry = new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events", "2026-12-07",
                        java.util.Arrays.asList("ev-" + tree.size(), "2026-12-07T00:00:00.000000Z"), new byte[32])
                        .encode();
                entries.add(entry);
                tree.append(MerkleTree.leafHash(entry));
            }
            Checkpoint next = previous.next(size, tree.root(), Instant.parse("2026-12-07T04:00:00Z")
                    .plusSeconds(60L * sequence++));
            put(s3, bucket, key, next, MerkleTree.consistencyProof(previous.size(), size, tree), entries);
            previous = next;
        }
        List<Finding> findings = new ArrayList<>();

        Verifier.Result result = new Verifier(s3, bucket, new ExportLayout(""), key.getPublic(), Optional.empty(),
                OptionalLong.empty(), OptionalLong.of(100)).verify(new Verifier.Progress() {
                    @Override
                    public void step(String stage, int done, int total) {
                    }

                    @Override
                    public void finding(Finding finding) {
                        findings.add(finding);
                    }
                });

        assertEquals(List.of(), findings);
        assertEquals(Verdict.INTACT, result.verdict());
        assertEquals(sizes.length + 1, result.checkpoints());
        assertEquals(100, result.ledgerSize());
    }

    private static void put(S3Client s3, String bucket, KeyPair key, Checkpoint checkpoint, List<byte[]> consistency,
                            List<byte[]> entries) throws Exception {
        Signature ecdsa = Signature.getInstance("SHA256withECDSA");
        ecdsa.initSign(key.getPrivate());
        ecdsa.update(checkpoint.signedBytes());
        byte[] object = CheckpointObject.signed(checkpoint, "1:1:", "test-key", ecdsa.sign(), consistency, entries).encode();
        s3.putObject(r -> r.bucket(bucket).key(LedgerLayout.checkpointKey("", checkpoint.sequence())),
                RequestBody.fromBytes(object));
    }
}
