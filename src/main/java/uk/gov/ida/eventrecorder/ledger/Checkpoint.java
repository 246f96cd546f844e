package uk.gov.ida.eventrecorder.ledger;

import uk.gov.ida.eventrecorder.digest.ManifestSignature;
import uk.gov.ida.eventrecorder.digest.PublicKeys;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A signed tree head: the ledger's size and root at one sequence, and the size and root of the sequence before it,
 * so the signed checkpoints form a chain as well as a tree. Its text, signed as UTF-8 bytes:
 * <pre>
 *   event-recorder-ledger/1
 *   sequence 42
 *   size 1234
 *   root &lt;64 lower-case hex&gt;
 *   previous 1200 &lt;64 lower-case hex&gt;
 *   time 2026-12-07T04:01:00.123Z
 * </pre>
 * each line ending in {@code \n}. The first line keeps a checkpoint's signature from ever reading as a manifest's
 * (which begins {@code event-recorder-export/2}): one key signs both.
 */
public record Checkpoint(long sequence, long size, byte[] root, long previousSize, byte[] previousRoot,
                         Instant time) {
    public static final String FORMAT = "event-recorder-ledger/1";
    private static final String DECIMAL = "(0|[1-9][0-9]{0,18})";
    private static final String HEX = "([0-9a-f]{64})";
    private static final Pattern[] LINES = {
            Pattern.compile(Pattern.quote(FORMAT)),
            Pattern.compile("sequence " + DECIMAL),
            Pattern.compile("size " + DECIMAL),
            Pattern.compile("root " + HEX),
            Pattern.compile("previous " + DECIMAL + " " + HEX),
            Pattern.compile("time (\\S+)"),
    };
    private static final String[] LINE_NAMES = {"format", "sequence", "size", "root", "previous", "time"};

    /** Holds the time to the millisecond, the precision its text carries. */
    public Checkpoint {
        if (sequence < 0 || previousSize < 0 || size < previousSize) {
            throw new LedgerFormatException("checkpoint sizes must satisfy 0 <= previous size (" + previousSize
                    + ") <= size (" + size + "), sequence >= 0 (" + sequence + ")");
        }
        if (!MerkleTree.isHash(root) || !MerkleTree.isHash(previousRoot)) {
            throw new LedgerFormatException("a checkpoint's roots are " + MerkleTree.HASH_BYTES + " bytes");
        }
        if (time == null) {
            throw new LedgerFormatException("a checkpoint needs a time");
        }
        root = root.clone();
        previousRoot = previousRoot.clone();
        time = time.truncatedTo(ChronoUnit.MILLIS);
    }

    /** Sequence 0: the empty tree, whose previous is itself. */
    public static Checkpoint genesis(Instant time) {
        return new Checkpoint(0, 0, MerkleTree.emptyRoot(), 0, MerkleTree.emptyRoot(), time);
    }

    /** The checkpoint after this one. */
    public Checkpoint next(long newSize, byte[] newRoot, Instant newTime) {
        // The run's clock may step back (a new container, a clock corrected): a checkpoint is never dated before the
        // one it extends, so that the times of a ledger read in order never go backwards.
        return new Checkpoint(sequence + 1, newSize, newRoot, size, root, newTime.isBefore(time) ? time : newTime);
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] previousRoot() {
        return previousRoot.clone();
    }

    public String text() {
        HexFormat hex = HexFormat.of();
        return FORMAT + "\n"
                + "sequence " + sequence + "\n"
                + "size " + size + "\n"
                + "root " + hex.formatHex(root) + "\n"
                + "previous " + previousSize + " " + hex.formatHex(previousRoot) + "\n"
                + "time " + time + "\n";
    }

    /** The bytes the signature covers. */
    public byte[] signedBytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a checkpoint's text, accepting only what {@link #text()} writes: the six lines in order, each ending in
     * a newline, nothing after, lower-case hex, decimals without sign or leading zero.
     */
    public static Checkpoint parse(String text) {
        if (text == null || !text.endsWith("\n")) {
            throw new LedgerFormatException("a checkpoint's text ends with a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length != LINES.length) {
            throw new LedgerFormatException("a checkpoint's text has " + LINES.length + " lines, not "
                    + lines.length);
        }
        Matcher[] m = new Matcher[LINES.length];
        for (int i = 0; i < LINES.length; i++) {
            m[i] = LINES[i].matcher(lines[i]);
            if (!m[i].matches()) {
                throw new LedgerFormatException("checkpoint line " + (i + 1) + " is not its " + LINE_NAMES[i]
                        + " line in the form " + FORMAT + " defines");
            }
        }
        Instant time;
        try {
            time = Instant.parse(m[5].group(1));
        } catch (DateTimeParseException e) {
            throw new LedgerFormatException("checkpoint line 6's time is not an ISO instant");
        }
        HexFormat hex = HexFormat.of();
        Checkpoint checkpoint = new Checkpoint(decimal(m[1].group(1), "sequence"), decimal(m[2].group(1), "size"),
                hex.parseHex(m[3].group(1)), decimal(m[4].group(1), "previous size"), hex.parseHex(m[4].group(2)),
                time);
        if (!checkpoint.text().equals(text)) {
            throw new LedgerFormatException("checkpoint line 6's time is not Instant.toString() of a "
                    + "millisecond-truncated instant");
        }
        return checkpoint;
    }

    /**
     * True when {@code signature} (DER, as KMS returns it) is {@code key}'s ECDSA_SHA_256 signature over
     * {@code checkpoint}'s text: the check an auditor repeats with openssl, needing no KMS.
     */
    public static boolean signatureHolds(PublicKey key, Checkpoint checkpoint, String algorithm, byte[] signature) {
        return ManifestSignature.ALGORITHM.equals(algorithm)
                && PublicKeys.verifies(key, checkpoint.signedBytes(), signature);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Checkpoint c && text().equals(c.text());
    }

    @Override
    public int hashCode() {
        return text().hashCode();
    }

    @Override
    public String toString() {
        return "Checkpoint[sequence " + sequence + ", size " + size + "]";
    }

    private static long decimal(String digits, String field) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new LedgerFormatException("checkpoint's " + field + " does not fit in 63 bits");
        }
    }
}
