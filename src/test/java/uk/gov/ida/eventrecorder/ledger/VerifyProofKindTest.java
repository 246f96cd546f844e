package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import uk.gov.ida.eventrecorder.cli.ExportCli;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.verification.ProofFile;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What verify-proof says a proof proves: a REMOVED leaf's proof holds (the ledger did note the row's deletion), and
 * its line must not read as the proof of a row that exists.
 */
class VerifyProofKindTest {
    @TempDir
    Path dir;

    @Test
    void aProofOfARemovedLeafHoldsAndVerifyProofSaysTheLeafRecordsARemoval() throws Exception {
        KeyPair pair = CheckpointTest.p256();
        TreeBuilder tree = new TreeBuilder();
        LeafEntry recorded = new LeafEntry(LeafEntry.Kind.RECORDED, "billing.billing_events", "2026-12-07",
                List.of("bill-1"), Rfc9162.sha256(new byte[]{1}));
        LeafEntry removed = LeafEntry.removed("billing.billing_events", "2026-12-07", List.of("bill-1"));
        tree.append(recorded.leafHash());
        tree.append(removed.leafHash());
        Checkpoint checkpoint = Checkpoint.genesis(Instant.parse("2026-12-07T04:00:00Z"))
                .next(tree.size(), tree.root(), Instant.parse("2026-12-07T04:01:00Z"));
        CheckpointObject signed = CheckpointObject.signed(checkpoint, "1:1:", "key-1",
                CheckpointTest.sign(pair, checkpoint.text()), List.of(), List.of());
        Path proofs = dir.resolve("proofs.json");
        Files.write(proofs, ProofFile.print(List.of(EventProof.of(recorded, 0, signed, tree),
                EventProof.of(removed, 1, signed, tree))));
        Path pem = dir.resolve("key.pem");
        Files.writeString(pem, PublicKeys.toPem(pair.getPublic()));

        StringWriter out = new StringWriter();
        int code = new CommandLine(new ExportCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(out))
                .execute("verify-proof", proofs.toString(), "--public-key", pem.toString());

        assertEquals(0, code, out.toString());
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.get(0).startsWith("holds: proof 1 (billing.billing_events [bill-1], day 2026-12-07): leaf 0 "
                + "(RECORDED) is in checkpoint 1"), lines.get(0));
        assertTrue(lines.get(1).startsWith("holds: proof 2 (billing.billing_events [bill-1], day 2026-12-07): leaf 1 "
                + "(REMOVED: the row was deleted) is in checkpoint 1"), lines.get(1));
    }
}
