package uk.gov.ida.eventrecorder.verification;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import uk.gov.ida.eventrecorder.ledger.EventProof;
import uk.gov.ida.eventrecorder.ledger.LedgerFormatException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A file of event proofs, as {@code verify-event} prints them and {@code verify-proof} checks them (the auditor's
 * guide, "Proving one event"): a JSON array, {@code [}, a newline, each proof's bytes ({@link EventProof#encode}, one
 * line each) separated by a comma and a newline, then {@code ]} and a newline. Checked strictly: the file must be
 * exactly those bytes for the proofs it holds, so that a changed byte anywhere fails, not only one the proofs' own
 * checks cover.
 */
public final class ProofFile {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One proof of the file: what it claims (null when it does not decode) and what fails (empty: it holds). */
    public record Checked(int number, EventProof proof, List<String> problems) {
        public boolean holds() {
            return problems.isEmpty();
        }
    }

    /** The file's proofs, checked, and what is wrong with the file as a whole (empty: nothing). */
    public record Report(List<Checked> proofs, List<String> fileProblems) {
        public boolean holds() {
            return fileProblems.isEmpty() && !proofs.isEmpty() && proofs.stream().allMatch(Checked::holds);
        }
    }

    private ProofFile() {
    }

    /** The file's bytes for these proofs. */
    public static byte[] print(List<EventProof> proofs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('[');
        for (int i = 0; i < proofs.size(); i++) {
            out.write(i == 0 ? '\n' : ',');
            if (i > 0) {
                out.write('\n');
            }
            byte[] line = proofs.get(i).encode();
            out.write(line, 0, line.length - 1); // without its newline
        }
        out.writeBytes(proofs.isEmpty() ? "]\n".getBytes(StandardCharsets.US_ASCII)
                : "\n]\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Checks every proof of the file with the public key alone. */
    public static Report check(byte[] file, PublicKey key) {
        JsonNode array;
        try {
            array = JSON.readTree(file);
        } catch (IOException e) {
            // The parser's message may quote the file: name the rule instead.
            return new Report(List.of(), List.of("the file is not one well-formed JSON array (duplicate keys and "
                    + "trailing data are refused)"));
        }
        if (array == null || !array.isArray()) {
            return new Report(List.of(), List.of("the file is not a JSON array of proofs"));
        }
        List<Checked> checked = new ArrayList<>();
        List<EventProof> decoded = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            EventProof proof;
            try {
                proof = EventProof.decode(JSON.writeValueAsBytes(array.get(i)));
            } catch (IOException | LedgerFormatException e) {
                // The format's own messages name the rule, never the input.
                checked.add(new Checked(i + 1, null, List.of("does not decode as an " + EventProof.FORMAT
                        + " proof: " + (e instanceof LedgerFormatException ? e.getMessage() : "not JSON"))));
                continue;
            }
            decoded.add(proof);
            checked.add(new Checked(i + 1, proof, proof.check(key)));
        }
        List<String> fileProblems = new ArrayList<>();
        if (checked.isEmpty()) {
            fileProblems.add("the file holds no proof");
        } else if (decoded.size() == checked.size() && !Arrays.equals(print(decoded), file)) {
            fileProblems.add("the file is not byte for byte what verify-event prints for the proofs it holds: a "
                    + "byte was changed where JSON or base64 allow another spelling of the same value (spaces, "
                    + "escapes, base64's unused bits)");
        }
        return new Report(List.copyOf(checked), List.copyOf(fileProblems));
    }
}
