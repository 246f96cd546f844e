package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.testing.Requirement;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The auditor's guide says enough to check a proof without this code: its Python block, written from the guide's
 * text, holds the proofs the code makes and finds each tampering {@link EventProof#check} finds.
 */
class LedgerDocumentationTest {
    private static final Path GUIDE = Path.of("docs/export-and-verification.md");

    @TempDir
    Path dir;

    @Test
    void theGuidesProofCheckHoldsTheCodesProofsAndFindsTamperedOnes() throws Exception {
        Path script = guideScript();
        KeyPair pair = CheckpointTest.p256();
        Path pem = publicKey(pair);
        List<EventProof> proofs = proofs(pair);

        assertEquals(List.of("proof 0 (audit.audit_events, leaf 0): holds",
                        "proof 1 (audit.audit_events, leaf 6): holds", "proof 2 (audit.audit_events, leaf 12): holds"),
                run(script, proofs, pem));

        EventProof honest = proofs.get(1);
        EventProof wrongLeaf = new EventProof(honest.table(), honest.key(), honest.day(), proofs.get(2).entry(),
                honest.leafIndex(), proofs.get(2).leafHash(), honest.inclusion(), honest.checkpoint(),
                honest.keyId(), honest.algorithm(), honest.signature());
        EventProof wrongRoot = new EventProof(honest.table(), honest.key(), honest.day(), honest.entry(),
                honest.leafIndex(), honest.leafHash(), honest.inclusion(), new Checkpoint(1, 13,
                MerkleTree.emptyRoot(), 0, MerkleTree.emptyRoot(), honest.checkpoint().time()), honest.keyId(),
                honest.algorithm(), honest.signature());
        EventProof otherKey = new EventProof(honest.table(), honest.key(), honest.day(), honest.entry(),
                honest.leafIndex(), honest.leafHash(), honest.inclusion(), honest.checkpoint(), honest.keyId(),
                honest.algorithm(), CheckpointTest.sign(CheckpointTest.p256(), honest.checkpoint().text()));
        assertEquals(List.of("proof 0 (audit.audit_events, leaf 6): fails: entry, inclusion",
                        "proof 1 (audit.audit_events, leaf 6): fails: inclusion, signature",
                        "proof 2 (audit.audit_events, leaf 6): fails: signature"),
                run(script, List.of(wrongLeaf, wrongRoot, otherKey), pem));
        assertEquals(List.of("entry: its table, key or day differs from the proof's",
                "inclusion: the path from leaf 6 does not lead to the checkpoint's root at size 13"),
                wrongLeaf.check(pair.getPublic()), "the code finds what the guide's check finds");
    }

    @Test
    void theGuidesProofCheckRefusesANegativeLeafIndexAsTheCodeDoes() throws Exception {
        Path script = guideScript();
        KeyPair pair = CheckpointTest.p256();
        Path pem = publicKey(pair);
        // In a tree of 8 leaves, leaf 7's path read with index -1 (all bits set, as 7 is in three bits) still leads
        // to the root: a check that lets a negative index through proves a leaf at a position no tree has.
        EventProof last = proofs(pair, 8, "event-", 7).get(0);
        EventProof negative = new EventProof(last.table(), last.key(), last.day(), last.entry(), -1, last.leafHash(),
                last.inclusion(), last.checkpoint(), last.keyId(), last.algorithm(), last.signature());

        assertEquals(List.of("proof 0 (audit.audit_events, leaf 7): holds",
                "proof 1 (audit.audit_events, leaf -1): fails: inclusion"), run(script, List.of(last, negative), pem));
        assertEquals(List.of("inclusion: the path from leaf -1 does not lead to the checkpoint's root at size 8"),
                negative.check(pair.getPublic()), "the code refuses it too");
    }

    private static List<EventProof> proofs(KeyPair pair) throws GeneralSecurityException {
        return proofs(pair, 13, "événement-", 0, 6, 12);
    }

    /** A signed tree of {@code leaves} audit rows keyed {@code idPrefix + i}, and the proofs of the leaves asked. */
    private static List<EventProof> proofs(KeyPair pair, int leaves, String idPrefix, int... proved)
            throws GeneralSecurityException {
        TreeBuilder tree = new TreeBuilder();
        List<LeafEntry> entries = new ArrayList<>();
        for (int i = 0; i < leaves; i++) {
            LeafEntry entry = new LeafEntry(LeafEntry.Kind.RECORDED, "audit.audit_events", "2026-12-07",
                    List.of(idPrefix + i, "2026-12-07T10:00:00.000000Z"), Rfc9162.sha256(new byte[]{(byte) i}));
            entries.add(entry);
            tree.append(entry.leafHash());
        }
        Checkpoint checkpoint = Checkpoint.genesis(Instant.parse("2026-12-07T04:00:00Z"))
                .next(tree.size(), tree.root(), Instant.parse("2026-12-07T04:01:00.042Z"));
        CheckpointObject signed = CheckpointObject.signed(checkpoint, "1:1:", "key-1",
                CheckpointTest.sign(pair, checkpoint.text()), List.of(), List.of());
        List<EventProof> proofs = new ArrayList<>();
        for (int index : proved) {
            proofs.add(EventProof.of(entries.get(index), index, signed, tree));
        }
        return proofs;
    }

    /** The proofs as {@code verify event} prints them: a JSON array of the objects. */
    private List<String> run(Path script, List<EventProof> proofs, Path pem) throws IOException, InterruptedException {
        Path file = dir.resolve("proofs.json");
        List<String> objects = proofs.stream().map(p -> new String(p.encode(), StandardCharsets.UTF_8).strip())
                .toList();
        Files.writeString(file, "[" + String.join(",\n", objects) + "]\n");
        Process python = new ProcessBuilder("python3", script.toString(), file.toString(), pem.toString())
                .redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = python.waitFor();
        boolean anyFails = output.contains("fails");
        assertEquals(anyFails ? 1 : 0, status, output);
        return output.lines().toList();
    }

    private static String block() throws IOException {
        Matcher m = Pattern.compile("(?s)<!-- ledger proof check: python -->\\s*```python\\n(.*?)```")
                .matcher(Files.readString(GUIDE));
        assertTrue(m.find(), GUIDE + " has no block marked ledger proof check: python");
        return m.group(1);
    }

    private static boolean available(String... command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The guide's proof check, written out to run (python3 and openssl required, as CI has them). */
    private Path guideScript() throws Exception {
        Requirement.require(available("python3", "--version") && available("openssl", "version"),
                "python3 and openssl, to run the auditor's guide's proof check");
        Path script = dir.resolve("check_proof.py");
        Files.writeString(script, block());
        return script;
    }

    private Path publicKey(KeyPair pair) throws Exception {
        Path pem = dir.resolve("public.pem");
        Files.writeString(pem, PublicKeys.toPem(pair.getPublic()));
        return pem;
    }
}
