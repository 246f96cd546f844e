package uk.gov.ida.eventrecorder.verification;

import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.export.ExportedTable;
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
import java.util.List;
import java.util.Optional;

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
        LedgerNodes tree = new LedgerNodes(c);
        List<EventProof> proofs = new ArrayList<>();
        List<String> unproved = new ArrayList<>();
        int found = 0;
        for (ExportedTable table : ExportedTable.ALL) {
            if (!table.hasEventId()) {
                continue;
            }
            try (TableRows rows = new TableRows(c, table, table.eventRowsQuery(), eventId)) {
                TableColumns columns = rows.columns();
                RowDigest digest = new RowDigest(columns.types());
                for (Object[] row = rows.next(); row != null; row = rows.next()) {
                    found++;
                    List<String> key = columns.canonicalKey(row);
                    String what = table.name() + " " + columns.describeKey(row);
                    Optional<StoredLeaf> leaf = latestLeaf(c, table.name(), key);
                    if (leaf.isEmpty()) {
                        unproved.add(beforeLedger(genesis, rows.recordedXid())
                                ? what + " was recorded before the ledger began: the export chain proves it, no leaf "
                                + "will"
                                : what + " is not in the ledger yet: the next checkpoint adds it, within "
                                + "LEDGER_INTERVAL (60 s by default) of its commit");
                        continue;
                    }
                    StoredLeaf stored = leaf.get();
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

    private static Optional<StoredLeaf> latestLeaf(Connection c, String table, List<String> key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT position, kind, day, row_hash, leaf_hash FROM "
                + "ledger.leaves WHERE table_name = ? AND row_key = ? ORDER BY position DESC LIMIT 1")) {
            s.setString(1, table);
            s.setArray(2, c.createArrayOf("text", key.toArray()));
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
        return genesis != null && (recordedXid == null || uk.gov.ida.eventrecorder.export.LedgerCoverage
                .visible(genesis, recordedXid));
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
