package uk.gov.ida.eventrecorder.verification;

import uk.gov.ida.eventrecorder.ledger.Checkpoint;
import uk.gov.ida.eventrecorder.ledger.CheckpointObject;
import uk.gov.ida.eventrecorder.ledger.LeafEntry;
import uk.gov.ida.eventrecorder.ledger.LedgerFormatException;
import uk.gov.ida.eventrecorder.ledger.MerkleTree;
import uk.gov.ida.eventrecorder.ledger.TreeBuilder;

import java.security.PublicKey;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The ledger's checkpoints as the bucket holds them (the auditor's guide, "The ledger"), checked from sequence 0 in
 * order: no gap; each parses; its signature is the key's; its previous line is the checkpoint before; its entries are
 * as many as the leaves it adds and decode; the tree rebuilt from every entry so far has its root; its consistency
 * proof from the checkpoint before holds. The tree is rebuilt with its right edge only, in memory that does not grow
 * with it. The leaves of the checkpoints that hold together are kept, by table and key, for the tie to the export
 * ({@link LedgerTie}): the ledger is verified up to the first checkpoint that does not, and no further.
 */
final class LedgerVerifier {
    /** How findings leave: the verifier's own counts and progress. */
    interface Findings {
        void tampered(String text);

        void unchecked(String text);

        void note(String text);
    }

    /** One leaf, as the tie needs it: where it is, what it says of its row. */
    record Leaf(long position, LeafEntry.Kind kind, String day, byte[] rowHash) {
    }

    /**
     * What the ledger holds, up to its last checkpoint that holds together.
     *
     * @param checkpoints every verified checkpoint, by sequence
     * @param leaves      by table, then key (canonical text): the key's leaves in order
     * @param days        by table, then day: the keys that have a leaf on that day
     * @param snapshots   each verified checkpoint's snapshot ({@code pg_snapshot} text), by sequence: the
     *                    transactions whose rows it covers
     */
    record Verified(TreeMap<Long, Checkpoint> checkpoints, Map<String, Map<List<String>, List<Leaf>>> leaves,
                    Map<String, TreeMap<LocalDate, Set<List<String>>>> days, Map<Long, String> snapshots) {
        static Verified none() {
            return new Verified(new TreeMap<>(), Map.of(), Map.of(), Map.of());
        }

        long size() {
            return checkpoints.isEmpty() ? 0 : checkpoints.lastEntry().getValue().size();
        }

        boolean isEmpty() {
            return checkpoints.isEmpty();
        }

        List<Leaf> leavesOf(String table, List<String> key) {
            return leaves.getOrDefault(table, Map.of()).getOrDefault(key, List.of());
        }
    }

    private final PublicKey publicKey;
    private final Findings findings;
    private final Map<String, String> dayTexts = new HashMap<>();
    private final Map<String, Optional<LocalDate>> dates = new HashMap<>();

    LedgerVerifier(PublicKey publicKey, Findings findings) {
        this.publicKey = publicKey;
        this.findings = findings;
    }

    /**
     * @param objects      the checkpoint objects' keys by the sequence their key names
     * @param read         a key's bytes (the version the ledger wrote: the oldest)
     * @param expectedSize the tree size the ledger published outside the bucket (the LedgerTreeSize metric): a
     *                     ledger that ends before it was cut short
     */
    Verified verify(TreeMap<Long, String> objects, Function<String, byte[]> read, OptionalLong expectedSize,
                    Progress progress) {
        Verified verified = new Verified(new TreeMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>());
        TreeBuilder tree = TreeBuilder.rootsOnly();
        Checkpoint prior = null;
        long expected = 0;
        int done = 0;
        // Objects are read and decoded a few ahead, on threads of their own: the GETs' round trips and the decoding
        // were three quarters of the time, one after another (measured: 200,000 leaves in 201 objects from moto on
        // two cores, 21-23 s four ahead against 27-28 s one at a time).
        ExecutorService readers = Executors.newFixedThreadPool(READ_AHEAD, runnable -> {
            Thread thread = new Thread(runnable, "verify-ledger-reader");
            thread.setDaemon(true);
            return thread;
        });
        Deque<Future<Decoded>> ahead = new ArrayDeque<>();
        Iterator<String> toRead = objects.values().iterator();
        try {
            for (Map.Entry<Long, String> object : objects.entrySet()) {
                while (ahead.size() < READ_AHEAD && toRead.hasNext()) {
                    String next = toRead.next();
                    ahead.add(readers.submit(() -> Decoded.of(read.apply(next))));
                }
                Future<Decoded> decoded = ahead.poll();
                progress.step(done++, objects.size());
                long sequence = object.getKey();
                String key = object.getValue();
                if (sequence != expected) {
                    findings.tampered("checkpoint" + (sequence - expected > 1 ? "s " + expected + " to " : " ")
                            + (sequence - 1) + " missing from the ledger (deleted, or never written) before " + key);
                    uncheckedAfter(objects, expected);
                    break;
                }
                expected = sequence + 1;
                if (!holds(key, sequence, take(decoded), prior, tree, verified)) {
                    uncheckedAfter(objects, sequence + 1);
                    break;
                }
                prior = verified.checkpoints().lastEntry().getValue();
            }
        } finally {
            readers.shutdownNow();
        }
        progress.step(done, objects.size());
        long size = verified.size();
        if (expectedSize.isPresent() && expectedSize.getAsLong() > size) {
            findings.tampered("the ledger's checkpoints end at tree size " + size + " but the ledger published "
                    + expectedSize.getAsLong() + ": its last checkpoints are gone");
        }
        return verified;
    }

    /** Later checkpoints, once one does not hold: nothing they say can be tied to a tree rebuilt from sequence 0. */
    private void uncheckedAfter(TreeMap<Long, String> objects, long from) {
        int after = objects.tailMap(from, true).size();
        if (after > 0) {
            findings.unchecked(after + " checkpoint(s) from " + objects.ceilingEntry(from).getValue() + " on are not "
                    + "checked: the ledger cannot be rebuilt past the checkpoint named before");
        }
    }

    /** Objects read and decoded ahead of the one being checked. */
    static final int READ_AHEAD = 4;

    /**
     * One object as read and decoded on a reader's thread: its checkpoint object (null when it does not parse), its
     * entries decoded and their leaf hashes, or the first entry that does not decode.
     */
    private record Decoded(CheckpointObject object, List<LeafEntry> entries, List<byte[]> leafHashes,
                           int undecodable) {
        static Decoded of(byte[] bytes) {
            CheckpointObject object;
            try {
                object = CheckpointObject.decode(bytes);
            } catch (LedgerFormatException e) {
                return new Decoded(null, List.of(), List.of(), -1);
            }
            List<LeafEntry> entries = new ArrayList<>(object.entries().size());
            List<byte[]> hashes = new ArrayList<>(object.entries().size());
            for (byte[] entry : object.entries()) {
                try {
                    entries.add(LeafEntry.decode(entry));
                } catch (LedgerFormatException e) {
                    return new Decoded(object, entries, hashes, entries.size());
                }
                hashes.add(MerkleTree.leafHash(entry));
            }
            return new Decoded(object, entries, hashes, -1);
        }
    }

    private static Decoded take(Future<Decoded> decoded) {
        try {
            return decoded.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the ledger", null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure; // S3's, as the verifier's own reads throw it
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Checks one checkpoint against the tree so far; adds its leaves and returns true when it holds. */
    private boolean holds(String key, long sequence, Decoded decoded, Checkpoint prior, TreeBuilder tree,
                          Verified verified) {
        CheckpointObject object = decoded.object();
        if (object == null) {
            findings.tampered("checkpoint " + key + " does not parse as an " + Checkpoint.FORMAT + " checkpoint");
            return false;
        }
        Checkpoint checkpoint = object.checkpoint();
        boolean holds = true;
        if (checkpoint.sequence() != sequence) {
            findings.tampered("checkpoint " + key + " says sequence " + checkpoint.sequence());
            holds = false;
        }
        if (!object.signedBy(publicKey)) {
            findings.tampered("checkpoint " + key + " is not the export's key's: its signature is not the key's over "
                    + "its checkpoint text");
            holds = false;
        }
        long previousSize = prior == null ? 0 : prior.size();
        byte[] previousRoot = prior == null ? MerkleTree.emptyRoot() : prior.root();
        if (checkpoint.previousSize() != previousSize || !Arrays.equals(checkpoint.previousRoot(), previousRoot)) {
            findings.tampered("checkpoint " + key + "'s previous line (size " + checkpoint.previousSize() + ") is not "
                    + (prior == null ? "the empty tree a first checkpoint follows" : "checkpoint " + prior.sequence()
                    + "'s size " + prior.size() + " and root") + ": the ledger was forked or rewritten");
            holds = false;
        }
        if (prior == null && checkpoint.size() != 0) {
            findings.tampered("checkpoint " + key + " is first but not the empty tree (size " + checkpoint.size()
                    + ")");
            holds = false;
        }
        long adds = checkpoint.size() - previousSize;
        if (object.entries().size() != adds) {
            findings.tampered("checkpoint " + key + " holds " + object.entries().size() + " entries for the " + adds
                    + " leaves it adds (" + previousSize + " to " + checkpoint.size() + "): entries removed or added");
            holds = false;
        }
        if (!holds) {
            return false;
        }
        if (decoded.undecodable() >= 0) {
            findings.tampered("checkpoint " + key + "'s entry for leaf " + (previousSize + decoded.undecodable())
                    + " does not decode as a leaf entry");
            return false;
        }
        List<LeafEntry> entries = decoded.entries();
        decoded.leafHashes().forEach(tree::append);
        if (!Arrays.equals(tree.root(), checkpoint.root())) {
            findings.tampered("checkpoint " + key + "'s root is not the tree its entries and those before rebuild "
                    + "(" + checkpoint.size() + " leaves): entries altered, or the root signed over other leaves");
            return false;
        }
        if (!MerkleTree.verifyConsistency(previousSize, checkpoint.size(), previousRoot, checkpoint.root(),
                object.consistency())) {
            findings.tampered("checkpoint " + key + "'s consistency proof from size " + previousSize + " does not "
                    + "hold");
            return false;
        }
        for (int i = 0; i < entries.size(); i++) {
            LeafEntry entry = entries.get(i);
            // One copy of each day's text and date: a day is shared by many leaves.
            String dayText = dayTexts.computeIfAbsent(entry.day(), d -> d);
            Leaf leaf = new Leaf(previousSize + i, entry.kind(), dayText, entry.rowHash());
            verified.leaves().computeIfAbsent(entry.table(), t -> new HashMap<>())
                    .computeIfAbsent(entry.key(), k -> new ArrayList<>(1)).add(leaf);
            LocalDate day = dates.computeIfAbsent(dayText, d -> Optional.ofNullable(dayOf(d))).orElse(null);
            if (day != null) {
                verified.days().computeIfAbsent(entry.table(), t -> new TreeMap<>())
                        .computeIfAbsent(day, d -> new HashSet<>()).add(entry.key());
            }
        }
        verified.checkpoints().put(sequence, checkpoint);
        verified.snapshots().put(sequence, object.snapshot());
        return true;
    }

    /** A leaf's day as a date; null for {@code infinity} and {@code -infinity}, which no export writes. */
    static LocalDate dayOf(String day) {
        try {
            return LocalDate.parse(day);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Progress through the checkpoints. */
    interface Progress {
        void step(int done, int total);
    }
}
