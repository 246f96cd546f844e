package uk.gov.ida.eventrecorder.ledger;

import uk.gov.ida.eventrecorder.digest.ManifestSignature;

import java.util.List;

/**
 * One checkpoint as the bucket holds it ({@link LedgerLayout#checkpointKey}): the signed text, its signature, the
 * consistency proof from the previous checkpoint, and the entries of the leaves it adds, so that anyone holding the
 * bucket can rebuild the whole tree and check every step without the database.
 * <pre>
 * {"format":"event-recorder-ledger/1","checkpoint":"...","snapshot":"xmin:xmax:xip","keyId":"...",
 *  "algorithm":"ECDSA_SHA_256",
 *  "signature":"&lt;base64 DER&gt;","consistency":["&lt;hex&gt;",...],"entries":["&lt;base64&gt;",...]}
 * </pre>
 *
 * @param snapshot    the database snapshot ({@code pg_snapshot} text) whose rows this checkpoint covers: the next
 *                    checkpoint takes the rows it cannot see. It is here so that the run's byte-for-byte check of the
 *                    last checkpoint against the bucket covers it: a snapshot moved in the database would otherwise let
 *                    the rows committed in between go unrecorded
 * @param consistency {@link MerkleTree#consistencyProof} from the previous size to this size
 * @param entries     the entries of leaves [previous size, size), in order
 */
public record CheckpointObject(Checkpoint checkpoint, String snapshot, String keyId, String algorithm, byte[] signature,
                               List<byte[]> consistency, List<byte[]> entries) {
    private static final List<String> FIELDS = List.of("format", "checkpoint", "snapshot", "keyId", "algorithm", "signature",
            "consistency", "entries");

    /** PostgreSQL's {@code pg_snapshot} text form: xmin, xmax and the transactions in progress. */
    private static final java.util.regex.Pattern SNAPSHOT = java.util.regex.Pattern.compile("[0-9]{1,19}:[0-9]{1,19}:"
            + "([0-9]{1,19}(,[0-9]{1,19})*)?");

    public CheckpointObject {
        if (checkpoint == null || snapshot == null || keyId == null || algorithm == null || signature == null || consistency == null
                || entries == null) {
            throw new LedgerFormatException("a checkpoint object has every field");
        }
        if (!SNAPSHOT.matcher(snapshot).matches()) {
            throw new LedgerFormatException("a checkpoint object's snapshot is a pg_snapshot, xmin:xmax:xip");
        }
        signature = signature.clone();
        consistency = copy(consistency);
        entries = copy(entries);
    }

    public static CheckpointObject signed(Checkpoint checkpoint, String snapshot, String keyId, byte[] signature,
                                          List<byte[]> consistency, List<byte[]> entries) {
        return new CheckpointObject(checkpoint, snapshot, keyId, ManifestSignature.ALGORITHM, signature, consistency, entries);
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The object's bytes: written once, and compared byte for byte with what a retry would write. */
    public byte[] encode() {
        return new LedgerJson.Writer()
                .string("format", Checkpoint.FORMAT)
                .string("checkpoint", checkpoint.text())
                .string("snapshot", snapshot)
                .string("keyId", keyId)
                .string("algorithm", algorithm)
                .string("signature", LedgerJson.base64(signature))
                .strings("consistency", LedgerJson.hex(consistency))
                .base64s("entries", entries)
                .finish();
    }

    /** Reads a stored object; whether its parts hold together (signature, proof, entries) is verify's to check. */
    public static CheckpointObject decode(byte[] bytes) {
        LedgerJson.Reader in = new LedgerJson.Reader(bytes, "checkpoint object", FIELDS);
        in.constant("format", Checkpoint.FORMAT);
        return new CheckpointObject(in.checkpoint("checkpoint"), in.string("snapshot"), in.string("keyId"), in.string("algorithm"),
                in.base64("signature"), in.hashes("consistency"), in.base64s("entries"));
    }

    /** The signature check alone (see {@link Checkpoint#signatureHolds}). */
    public boolean signedBy(java.security.PublicKey key) {
        return Checkpoint.signatureHolds(key, checkpoint, algorithm, signature);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CheckpointObject o && java.util.Arrays.equals(encode(), o.encode());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "CheckpointObject[" + checkpoint + ", " + entries.size() + " entries]";
    }

    static List<byte[]> copy(List<byte[]> values) {
        return values.stream().map(byte[]::clone).toList();
    }
}
