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

    /** Reads in the caller's transaction (autocommit off: the rows are read through a cursor). */
    public static Outcome prove(Connection c, String eventId) throws SQLException {
        String genesis = single(c, "SELECT snapshot FROM ledger.checkpoints WHERE sequence = 0");
        Optional<CheckpointObject> newest = newestPublished(c);
        Checkpoints checkpoints = new Checkpoints(c);
        LedgerNodes tree = new LedgerNodes(c);
        List<EventProof> proofs = new ArrayList<>();
        List<String> unproved = new ArrayList<>();
        int found = 0;
        for (ExportedTable table : ExportedTable.ALL) {
            if (!table.hasEventId()) {
                continue;
            }
            List<Long> changes = changedXids(c, table, eventId);
            try (TableRows rows = new TableRows(c, table, table.eventRowsQuery(), eventId)) {
                TableColumns columns = rows.columns();
                RowDigest digest = new RowDigest(columns.types());
                for (Object[] row = rows.next(); row != null; row = rows.next()) {
                    found++;
                    List<String> key = columns.canonicalKey(row);
                    String what = table.name() + " " + columns.describeKey(row);
                    Lookup lookup = latestLeaf(c, checkpoints, table.name(), key, rows.recordedXid(), changes);
                    if (lookup.leaf().isEmpty()) {
                        unproved.add(lookup.lastTaken() > 0
                                ? what + " was committed before checkpoint " + lookup.lastTaken() + ", which took it, "
                                + "but none of that checkpoint's leaves is this row's: the database's ledger was "
                                + "changed (run verify on the bucket)"
                                : !lookup.waiting() && beforeLedger(genesis, rows.recordedXid())
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
     * A row's latest leaf, if the database's ledger holds one; the latest checkpoint that took one of the row's
     * transactions (0 when none did but the genesis); and whether one of them is in no checkpoint yet.
     */
    private record Lookup(Optional<StoredLeaf> leaf, long lastTaken, boolean waiting) {
    }

    /**
     * A row's leaves are where its transactions were taken: the one that recorded it, and each UPDATE noted under its
     * key ({@code ledger.row_changes}). Each transaction is taken by the first checkpoint whose snapshot sees it, so
     * the row's leaves lie among those checkpoints' positions (a part's at most, a few thousand rows), and the
     * latest is the last of them. Nothing indexes the leaves by row: each leaf is an append to its primary key, and
     * this is what a proof asks instead.
     */
    private static Lookup latestLeaf(Connection c, Checkpoints checkpoints, String table, List<String> key,
                                     Long recordedXid, List<Long> changes) throws SQLException {
        TreeSet<Long> taken = new TreeSet<>();
        boolean waiting = false;
        List<Long> xids = new ArrayList<>(changes);
        if (recordedXid == null) {
            // Recorded before V9 gave rows their transaction: before the ledger, which took no leaf of it.
            taken.add(0L);
        } else {
            xids.add(recordedXid);
        }
        for (long xid : xids) {
            OptionalLong sequence = checkpoints.firstSeeing(xid);
            if (sequence.isPresent()) {
                taken.add(sequence.getAsLong());
            } else {
                waiting = true;
            }
        }
        for (long sequence : taken.descendingSet()) {
            Optional<StoredLeaf> leaf = leafIn(c, checkpoints.sizeBefore(sequence), checkpoints.size(sequence),
                    table, key);
            if (leaf.isPresent()) {
                return new Lookup(leaf, sequence, waiting);
            }
        }
        return new Lookup(Optional.empty(), taken.isEmpty() ? 0 : taken.last(), waiting);
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
     * The transactions whose UPDATE or DELETE noted a key of one of the event's rows in a table, as the statement
     * trigger notes it ({@code ledger.row_key} of the row's key columns; V11).
     */
    private static List<Long> changedXids(Connection c, ExportedTable table, String eventId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT r.changed_xid FROM " + table.name() + " t "
                + "JOIN ledger.row_changes r ON r.table_name = ? AND r.row_key = ledger.row_key(to_jsonb(t), "
                + "?::text[]) WHERE t.event_id = ?")) {
            s.setString(1, table.name());
            s.setArray(2, c.createArrayOf("text", table.keyColumns().toArray()));
            s.setString(3, eventId);
            List<Long> xids = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    xids.add(rs.getLong(1));
                }
            }
            return xids;
        }
    }

    /**
     * The database's checkpoints, read as needed. Their snapshots only grow (each run's sees all its predecessor's),
     * so the first that sees a transaction is found by bisection, in a few dozen primary-key reads at any age.
     */
    private static final class Checkpoints {
        private record Stored(long size, String snapshot) {
        }

        private final Connection c;
        private final long last;
        private final Map<Long, Stored> read = new HashMap<>();

        Checkpoints(Connection c) throws SQLException {
            this.c = c;
            String max = single(c, "SELECT max(sequence) FROM ledger.checkpoints");
            this.last = max == null ? -1 : Long.parseLong(max);
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
                try (PreparedStatement s = c.prepareStatement("SELECT tree_size, snapshot FROM ledger.checkpoints "
                        + "WHERE sequence = ?")) {
                    s.setLong(1, sequence);
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("the ledger's database lacks checkpoint " + sequence
                                    + " of 0 to " + last + ": rows removed from ledger.checkpoints");
                        }
                        stored = new Stored(rs.getLong(1), rs.getString(2));
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

    /** Recorded before the column existed, or by a transaction the genesis checkpoint's snapshot could see. */
    private static boolean beforeLedger(String genesis, Long recordedXid) {
        return genesis != null && (recordedXid == null || LedgerCoverage.visible(genesis, recordedXid));
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
