package uk.gov.ida.eventrecorder.verification;

import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.LedgerCoverage;
import uk.gov.ida.eventrecorder.export.TableColumns;
import uk.gov.ida.eventrecorder.export.TableRows;
import uk.gov.ida.eventrecorder.ledger.Checkpoint;
import uk.gov.ida.eventrecorder.ledger.CheckpointObject;
import uk.gov.ida.eventrecorder.ledger.EventProof;
import uk.gov.ida.eventrecorder.ledger.LeafEntry;
import uk.gov.ida.eventrecorder.ledger.MerkleTree;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The proofs of one event's rows (the auditor's guide, "Proving one event"): for each row an exported table holds
 * under the event's id (its audit row or rows, and the billing and fraud rows it made), the row's latest leaf in the
 * newest published checkpoint, with its inclusion path, read from the database's ledger. Each proof is checked
 * against the checkpoint's root before it is given: a stored leaf or node that differs from what was signed proves
 * nothing. A row that cannot be proved (yet, or ever) is said, with why and when.
 */
public final class EventProofs {
    /**
     * @param proofs   one per row that is proved, in table order
     * @param unproved a sentence for each row that is not, or is not as it is now (identifiers only)
     * @param rows     the event's rows found
     */
    public record Outcome(List<EventProof> proofs, List<String> unproved, int rows) {
    }

    private EventProofs() {
    }

    /**
     * How far an event's time may run ahead of its recording (a producer's clock, fast) before a row said to be from
     * before the ledger, or with no recorded_xid, is called a changed database instead.
     */
    static final Duration CLOCK_MARGIN = Duration.ofHours(1);

    /** Reads in the caller's transaction (autocommit off: the rows are read through a cursor). */
    public static Outcome prove(Connection c, String eventId) throws SQLException {
        Optional<CheckpointObject> newest = newestPublished(c);
        Checkpoints checkpoints = new Checkpoints(c);
        long xmax = Long.parseLong(single(c, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text"));
        LedgerNodes tree = new LedgerNodes(c);
        List<EventProof> proofs = new ArrayList<>();
        List<String> unproved = new ArrayList<>();
        int found = 0;
        for (ExportedTable table : ExportedTable.ALL) {
            if (!table.hasEventId()) {
                continue;
            }
            try (TableRows rows = new TableRows(c, table, table.eventRowsWithChangesQuery(), eventId)) {
                TableColumns columns = rows.columns();
                RowDigest digest = new RowDigest(columns.types());
                for (Object[] row = rows.next(); row != null; row = rows.next()) {
                    found++;
                    List<String> key = columns.canonicalKey(row);
                    String what = table.name() + " " + columns.describeKey(row);
                    Lookup lookup = latestLeaf(c, checkpoints, table.name(), key, rows.recordedXid(),
                            rows.ledgerChanges(), xmax);
                    Optional<String> implausible = lookup.leaf().isEmpty() && lookup.beforeLedger()
                            ? checkpoints.beforeLedgerDenied(rows.recordedXid(), rows.dayTime()) : Optional.empty();
                    if (lookup.problem() != null) {
                        unproved.add(what + " " + lookup.problem());
                        continue;
                    }
                    if (lookup.leaf().isEmpty()) {
                        unproved.add(implausible.isPresent() ? what + " " + implausible.get()
                                : !lookup.waiting() && lookup.beforeLedger()
                                ? what + " was recorded before the ledger began: the export chain proves it, no leaf "
                                + "will"
                                : what + " is not in the ledger yet: the next checkpoint adds it, within "
                                + "LEDGER_INTERVAL (60 s by default) of its commit");
                        continue;
                    }
                    StoredLeaf stored = lookup.leaf().get();
                    if (newest.isEmpty() || stored.position() >= newest.get().checkpoint().size()) {
                        unproved.add(what + " is leaf " + stored.position() + ", after the newest published "
                                + "checkpoint" + newest.map(n -> " " + n.checkpoint().sequence() + " (tree size "
                                + n.checkpoint().size() + ")").orElse("") + ": the next checkpoint publishes it, "
                                + "within LEDGER_INTERVAL (60 s by default)");
                        continue;
                    }
                    LeafEntry entry = stored.entry();
                    if (!Arrays.equals(entry.leafHash(), stored.leafHash())) {
                        unproved.add(what + ": its stored leaf " + stored.position() + " is not the hash of its own "
                                + "entry: the database's ledger was changed (run verify on the bucket)");
                        continue;
                    }
                    Checkpoint checkpoint = newest.get().checkpoint();
                    EventProof proof = EventProof.of(entry, stored.position(), newest.get(), tree);
                    if (!MerkleTree.verifyInclusion(stored.position(), checkpoint.size(), proof.leafHash(),
                            proof.inclusion(), checkpoint.root())) {
                        unproved.add(what + ": the database's ledger does not lead from leaf " + stored.position()
                                + " to checkpoint " + checkpoint.sequence() + "'s root: a stored leaf or node was "
                                + "changed (run verify on the bucket)");
                        continue;
                    }
                    proofs.add(proof);
                    if (entry.kind() != LeafEntry.Kind.REMOVED && !Arrays.equals(entry.rowHash(),
                            digest.rowHash(row))) {
                        unproved.add(what + " differs from its latest leaf " + stored.position() + ": changed since "
                                + "(the next checkpoint records the change, within LEDGER_INTERVAL) or without the "
                                + "ledger noting it; the proof printed is of the row as the leaf holds it");
                    }
                }
            }
        }
        return new Outcome(List.copyOf(proofs), List.copyOf(unproved), found);
    }

    private record StoredLeaf(long position, LeafEntry entry, byte[] leafHash) {
    }

    /**
     * A row's latest leaf, if the database's ledger holds one; else whether a transaction of the row is in no
     * checkpoint yet, and whether the row is from before the ledger. A problem: what about the database's ledger
     * contradicts itself (a sentence after the row's name).
     */
    private record Lookup(Optional<StoredLeaf> leaf, boolean waiting, boolean beforeLedger, String problem) {
    }

    /**
     * A row's leaves are where its transactions were taken: the one that recorded it, and each that noted its key in
     * {@code ledger.row_changes}. Each transaction is taken by the first checkpoint whose snapshot sees it, so the
     * row's leaves lie among those checkpoints' positions (each checkpoint at most 20,000 rows and one transaction's),
     * and its latest is the last of them. Nothing indexes the leaves by row: each leaf is an append to its primary
     * key, and this is what a proof asks instead. Every checkpoint that took a change of the row holds a leaf of it
     * (a REVISED one, or a RECORDED one when it also took the row's recording), and so does the one that took its
     * recording when no change is noted (a change may have given the row its key, after its recording was taken
     * under another): one that does not is a changed ledger.
     */
    private static Lookup latestLeaf(Connection c, Checkpoints checkpoints, String table, List<String> key,
                                     Long recordedXid, List<Long> changes, long xmax) throws SQLException {
        if (checkpoints.none()) {
            return new Lookup(Optional.empty(), true, false, null); // the ledger has not begun: its genesis takes all
        }
        TreeSet<Long> mustHold = new TreeSet<>();
        boolean waiting = false;
        boolean beforeLedger = false;
        long recordedIn = -1;
        List<Long> xids = new ArrayList<>(changes);
        if (recordedXid != null) {
            xids.add(recordedXid);
        }
        for (long xid : xids) {
            if (xid >= xmax) {
                return new Lookup(Optional.empty(), false, false, "names transaction " + xid + " (its recorded_xid "
                        + "or a change noted under its key), which had not begun when this proof's snapshot was "
                        + "taken: the row or the database's ledger was changed (run verify on the bucket)");
            }
        }
        for (long xid : changes) {
            OptionalLong sequence = checkpoints.firstSeeing(xid);
            if (sequence.isEmpty()) {
                waiting = true;
            } else if (sequence.getAsLong() > 0) {
                mustHold.add(sequence.getAsLong());
            }
        }
        if (recordedXid == null) {
            // Recorded before V9 gave rows their transaction: before the ledger, which took no leaf of it.
            beforeLedger = true;
        } else {
            OptionalLong sequence = checkpoints.firstSeeing(recordedXid);
            if (sequence.isEmpty()) {
                waiting = true;
            } else if (sequence.getAsLong() == 0) {
                beforeLedger = true;
            } else {
                recordedIn = sequence.getAsLong();
                if (changes.isEmpty()) {
                    mustHold.add(recordedIn);
                }
            }
        }
        TreeSet<Long> searched = new TreeSet<>(mustHold);
        if (recordedIn > 0) {
            searched.add(recordedIn);
        }
        Optional<StoredLeaf> latest = Optional.empty();
        for (long sequence : searched.descendingSet()) {
            Optional<StoredLeaf> leaf = leafIn(c, checkpoints.sizeBefore(sequence), checkpoints.size(sequence),
                    table, key);
            if (leaf.isEmpty() && mustHold.contains(sequence)) {
                return new Lookup(Optional.empty(), waiting, beforeLedger, "was committed before checkpoint "
                        + sequence + ", which took it, but none of that checkpoint's leaves is this row's: the "
                        + "database's ledger was changed (run verify on the bucket)");
            }
            if (latest.isEmpty()) {
                latest = leaf;
            }
        }
        if (latest.isEmpty() && beforeLedger && !waiting) {
            // "Before the ledger" rests on the row's recorded_xid and the genesis's snapshot, which the database
            // alone holds: before saying no leaf will ever prove the row, look for one anywhere. A sequential read of
            // the leaves, paid only by a row that claims to be older than the ledger.
            Optional<StoredLeaf> anywhere = leafIn(c, 0, Long.MAX_VALUE, table, key);
            if (anywhere.isPresent()) {
                return new Lookup(Optional.empty(), false, false, "is from before the ledger by the database's "
                        + "account (" + (recordedXid == null ? "it has no recorded_xid" : "the ledger's first "
                        + "checkpoint saw its transaction") + "), but leaf " + anywhere.get().position() + " is this "
                        + "row's: the row or the database's ledger was changed (run verify on the bucket)");
            }
        }
        return new Lookup(latest, waiting, beforeLedger && latest.isEmpty(), null);
    }

    private static Optional<StoredLeaf> leafIn(Connection c, long from, long to, String table, List<String> key)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT position, kind, day, row_hash, leaf_hash FROM "
                + "ledger.leaves WHERE position >= ? AND position < ? AND table_name = ? AND row_key = ? "
                + "ORDER BY position DESC LIMIT 1")) {
            s.setLong(1, from);
            s.setLong(2, to);
            s.setString(3, table);
            s.setArray(4, c.createArrayOf("text", key.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                LeafEntry entry = new LeafEntry(LeafEntry.Kind.of(rs.getShort(2)), table, rs.getString(3), key,
                        rs.getBytes(4));
                return Optional.of(new StoredLeaf(rs.getLong(1), entry, rs.getBytes(5)));
            }
        }
    }

    /**
     * The database's checkpoints, read as needed. Their snapshots only grow (each run's sees all its predecessor's),
     * so the first that sees a transaction is found by bisection, in a few dozen primary-key reads at any age.
     */
    private static final class Checkpoints {
        private record Stored(long size, String snapshot, String note) {
        }

        private final Connection c;
        private final long last;
        private final Map<Long, Stored> read = new HashMap<>();

        Checkpoints(Connection c) throws SQLException {
            this.c = c;
            String max = single(c, "SELECT max(sequence) FROM ledger.checkpoints");
            this.last = max == null ? -1 : Long.parseLong(max);
        }

        /**
         * Why a row cannot be from before the ledger, if it cannot: no honest row recorded before the ledger began
         * (before its genesis checkpoint, or before V9 when it has no recorded_xid) is dated after it, beyond a
         * producer's clock running fast. Only the database says either, and an owner can change both.
         */
        Optional<String> beforeLedgerDenied(Long recordedXid, LocalDateTime dayTime) throws SQLException {
            if (last < 0 || dayTime == null) {
                return Optional.empty();
            }
            Instant began = Checkpoint.parse(get(0).note()).time();
            if (!dayTime.toInstant(ZoneOffset.UTC).isAfter(began.plus(CLOCK_MARGIN))) {
                return Optional.empty();
            }
            return Optional.of((recordedXid == null ? "has no recorded_xid, which only rows recorded before the "
                    + "ledger lack," : "was recorded by a transaction the ledger's first checkpoint saw,")
                    + " but is dated " + dayTime + "Z, after the ledger began (" + began + "): the row or the "
                    + "database's ledger was changed (run verify on the bucket)");
        }

        boolean none() {
            return last < 0;
        }

        OptionalLong firstSeeing(long xid) throws SQLException {
            if (last < 0 || !LedgerCoverage.visible(get(last).snapshot(), xid)) {
                return OptionalLong.empty();
            }
            long low = 0;
            long high = last;
            while (low < high) {
                long middle = low + (high - low) / 2;
                if (LedgerCoverage.visible(get(middle).snapshot(), xid)) {
                    high = middle;
                } else {
                    low = middle + 1;
                }
            }
            return OptionalLong.of(low);
        }

        long size(long sequence) throws SQLException {
            return get(sequence).size();
        }

        long sizeBefore(long sequence) throws SQLException {
            return sequence == 0 ? 0 : get(sequence - 1).size();
        }

        private Stored get(long sequence) throws SQLException {
            Stored stored = read.get(sequence);
            if (stored == null) {
                try (PreparedStatement s = c.prepareStatement("SELECT tree_size, snapshot, note FROM ledger.checkpoints "
                        + "WHERE sequence = ?")) {
                    s.setLong(1, sequence);
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("the ledger's database lacks checkpoint " + sequence
                                    + " of 0 to " + last + ": rows removed from ledger.checkpoints");
                        }
                        stored = new Stored(rs.getLong(1), rs.getString(2), rs.getString(3));
                    }
                }
                read.put(sequence, stored);
            }
            return stored;
        }
    }

    private static Optional<CheckpointObject> newestPublished(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT note, snapshot, key_id, signature FROM "
                + "ledger.checkpoints "
                + "WHERE published_at IS NOT NULL ORDER BY sequence DESC LIMIT 1"); ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(CheckpointObject.signed(Checkpoint.parse(rs.getString(1)), rs.getString(2),
                    rs.getString(3), rs.getBytes(4), List.of(), List.of()));
        }
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
