package uk.gov.ida.eventrecorder.ledger;

import uk.gov.ida.eventrecorder.digest.ManifestSignature;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The proof that one row's latest leaf is in a signed checkpoint: everything an auditor needs besides the public
 * key, checked offline by {@link #check(PublicKey)} (and by hand, as the auditor's guide describes).
 * <pre>
 * {"format":"event-recorder-ledger-proof/1","table":"...","key":["..."],"day":"...","entry":"&lt;base64&gt;",
 *  "leafIndex":N,"leafHash":"&lt;hex&gt;","inclusion":["&lt;hex&gt;",...],"checkpoint":"...","keyId":"...",
 *  "algorithm":"ECDSA_SHA_256","signature":"&lt;base64&gt;"}
 * </pre>
 * The table, key and day are stated beside the entry so that a reader sees what is claimed; the check holds them to
 * the entry's own.
 */
public record EventProof(String table, List<String> key, String day, byte[] entry, long leafIndex, byte[] leafHash,
                         List<byte[]> inclusion, Checkpoint checkpoint, String keyId, String algorithm,
                         byte[] signature) {
    public static final String FORMAT = "event-recorder-ledger-proof/1";
    private static final List<String> FIELDS = List.of("format", "table", "key", "day", "entry", "leafIndex",
            "leafHash", "inclusion", "checkpoint", "keyId", "algorithm", "signature");

    public EventProof {
        if (table == null || key == null || key.stream().anyMatch(Objects::isNull) || day == null || entry == null
                || leafHash == null || inclusion == null || checkpoint == null || keyId == null || algorithm == null
                || signature == null) {
            throw new LedgerFormatException("an event proof has every field");
        }
        key = List.copyOf(key);
        entry = entry.clone();
        leafHash = leafHash.clone();
        inclusion = CheckpointObject.copy(inclusion);
        signature = signature.clone();
    }

    /** The proof for {@code entry} at {@code leafIndex} of a signed checkpoint whose tree {@code tree} holds. */
    public static EventProof of(LeafEntry entry, long leafIndex, CheckpointObject signed, MerkleTree.Subtrees tree) {
        Checkpoint checkpoint = signed.checkpoint();
        return new EventProof(entry.table(), entry.key(), entry.day(), entry.encode(), leafIndex, entry.leafHash(),
                MerkleTree.inclusionProof(leafIndex, checkpoint.size(), tree), checkpoint, signed.keyId(),
                signed.algorithm(), signed.signature());
    }

    @Override
    public byte[] entry() {
        return entry.clone();
    }

    @Override
    public byte[] leafHash() {
        return leafHash.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    public byte[] encode() {
        return new LedgerJson.Writer()
                .string("format", FORMAT)
                .string("table", table)
                .strings("key", key)
                .string("day", day)
                .string("entry", LedgerJson.base64(entry))
                .number("leafIndex", leafIndex)
                .string("leafHash", LedgerJson.hex(leafHash))
                .strings("inclusion", LedgerJson.hex(inclusion))
                .string("checkpoint", checkpoint.text())
                .string("keyId", keyId)
                .string("algorithm", algorithm)
                .string("signature", LedgerJson.base64(signature))
                .finish();
    }

    public static EventProof decode(byte[] bytes) {
        LedgerJson.Reader in = new LedgerJson.Reader(bytes, "event proof", FIELDS);
        in.constant("format", FORMAT);
        return new EventProof(in.string("table"), in.strings("key"), in.string("day"), in.base64("entry"),
                in.number("leafIndex"), in.hash("leafHash"), in.hashes("inclusion"), in.checkpoint("checkpoint"),
                in.string("keyId"), in.string("algorithm"), in.base64("signature"));
    }

    /**
     * Every check, each named when it fails; empty when the proof holds. All are run, so one report says all that
     * is wrong.
     */
    public List<String> check(PublicKey key) {
        List<String> problems = new ArrayList<>();
        try {
            LeafEntry decoded = LeafEntry.decode(entry);
            if (!decoded.table().equals(table) || !decoded.key().equals(this.key) || !decoded.day().equals(day)) {
                problems.add("entry: its table, key or day differs from the proof's");
            }
        } catch (LedgerFormatException e) {
            problems.add("entry: does not decode (" + e.getMessage() + ")");
        }
        if (!Arrays.equals(MerkleTree.leafHash(entry), leafHash)) {
            problems.add("leaf hash: is not SHA-256(0x00 || entry)");
        }
        if (!MerkleTree.verifyInclusion(leafIndex, checkpoint.size(), leafHash, inclusion, checkpoint.root())) {
            problems.add("inclusion: the path from leaf " + leafIndex + " does not lead to the checkpoint's root at "
                    + "size " + checkpoint.size());
        }
        if (!ManifestSignature.ALGORITHM.equals(algorithm)) {
            problems.add("signature: algorithm is not " + ManifestSignature.ALGORITHM);
        } else if (!Checkpoint.signatureHolds(key, checkpoint, algorithm, signature)) {
            problems.add("signature: is not the public key's over the checkpoint text");
        }
        return List.copyOf(problems);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EventProof p && Arrays.equals(encode(), p.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    /** Names the table and leaf only: key values may identify a person. */
    @Override
    public String toString() {
        return "EventProof[" + table + " leaf " + leafIndex + " in " + checkpoint + "]";
    }
}
