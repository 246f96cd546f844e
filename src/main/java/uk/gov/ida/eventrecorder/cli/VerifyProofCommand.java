package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.ledger.EventProof;
import uk.gov.ida.eventrecorder.ledger.LeafEntry;
import uk.gov.ida.eventrecorder.verification.ProofFile;
import uk.gov.ida.eventrecorder.verification.Verdict;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * The auditor's offline check of the proofs {@code verify-event} printed (docs/export-and-verification.md, "Proving
 * one event"): needs the public key and the file, nothing else. Exit 0 every proof holds, 1 one does not, 2 the file
 * or the key could not be read.
 */
@Command(name = "verify-proof", description = "Check a file of event proofs (as verify-event prints them) offline, "
        + "with the signing key's public half: each row's leaf, its inclusion in the checkpoint, and the checkpoint's "
        + "signature. Exit 0 every proof holds, 1 one does not, 2 the file or the key could not be read.")
final class VerifyProofCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the proofs, a JSON array (verify-event's output)")
    Path file;

    @Option(names = "--public-key", required = true, paramLabel = "PEM", description = "the signing key's public "
            + "half, a PEM file (aws kms get-public-key)")
    Path pem;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PublicKey key;
        byte[] bytes;
        try {
            key = PublicKeys.fromPem(Files.readString(pem));
        } catch (IOException | RuntimeException e) {
            err.println("verify-proof: could not read the public key: " + e.getMessage());
            return Verdict.COULD_NOT_CHECK.exitCode();
        }
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            err.println("verify-proof: could not read " + file + " (" + e.getClass().getSimpleName() + ")");
            return Verdict.COULD_NOT_CHECK.exitCode();
        }
        ProofFile.Report report = ProofFile.check(bytes, key);
        for (ProofFile.Checked checked : report.proofs()) {
            EventProof p = checked.proof();
            String what = "proof " + checked.number() + (p == null ? "" : " (" + p.table() + " " + p.key() + ", day "
                    + p.day() + ")");
            if (checked.holds()) {
                // A REMOVED leaf's proof holds too: its line must not read as the proof of a row that exists.
                LeafEntry.Kind kind = LeafEntry.decode(p.entry()).kind();
                out.println("holds: " + what + ": leaf " + p.leafIndex() + " (" + kind.name()
                        + (kind == LeafEntry.Kind.REMOVED ? ": the row was deleted" : "") + ") is in checkpoint "
                        + p.checkpoint().sequence() + " (tree size " + p.checkpoint().size() + ", root "
                        + HexFormat.of().formatHex(p.checkpoint().root()) + ", " + p.checkpoint().time()
                        + "), signed by the key (" + p.keyId() + ")");
            } else {
                checked.problems().forEach(problem -> out.println("FAILED: " + what + ": " + problem));
            }
        }
        report.fileProblems().forEach(problem -> out.println("FAILED: " + problem));
        long failed = report.proofs().stream().filter(c -> !c.holds()).count();
        out.println("verify-proof: " + (report.holds() ? "holds" : "fails") + ": " + report.proofs().size()
                + " proof(s), " + failed + " failed" + (report.fileProblems().isEmpty() ? "" : ", and the file "
                + "itself"));
        return report.holds() ? Verdict.INTACT.exitCode() : Verdict.TAMPERED.exitCode();
    }
}
