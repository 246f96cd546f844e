package uk.gov.ida.eventrecorder.verification;

import uk.gov.ida.eventrecorder.ledger.MerkleTree;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger's tree as the database holds it, read only, for proofs: leaf hashes ({@code ledger.leaves}) and the
 * complete subtrees the checkpoint run stores at levels 4, 8, 12, … ({@code ledger.nodes}). A subtree at another level
 * is folded from the at most 8 hashes of the stored level below it, read in one query, so a proof costs a few dozen
 * queries at any size. What it reads is trusted no further than the proof it makes: {@link EventProofs} checks each
 * against the signed root.
 */
final class LedgerNodes implements MerkleTree.Subtrees {
    private static final int STEP = 4;
    private final Connection c;

    LedgerNodes(Connection c) {
        this.c = c;
    }

    @Override
    public byte[] hash(int level, long index) {
        int base = level - level % STEP;
        int height = level - base;
        List<byte[]> hashes = stored(base, index << height, 1L << height);
        while (hashes.size() > 1) {
            List<byte[]> up = new ArrayList<>(hashes.size() / 2);
            for (int i = 0; i < hashes.size(); i += 2) {
                up.add(MerkleTree.nodeHash(hashes.get(i), hashes.get(i + 1)));
            }
            hashes = up;
        }
        return hashes.get(0);
    }

    /** {@code count} consecutive stored hashes of a stored level (0: the leaves), from {@code first}. */
    private List<byte[]> stored(int level, long first, long count) {
        String sql = level == 0
                ? "SELECT leaf_hash FROM ledger.leaves WHERE position >= ? AND position < ? ORDER BY position"
                : "SELECT hash FROM ledger.nodes WHERE level = " + level + " AND idx >= ? AND idx < ? ORDER BY idx";
        List<byte[]> hashes = new ArrayList<>((int) count);
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, first);
            s.setLong(2, first + count);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    hashes.add(rs.getBytes(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the ledger's " + (level == 0 ? "leaves" : "nodes") + " could not be read "
                    + "(SQLSTATE " + e.getSQLState() + ")", null);
        }
        if (hashes.size() != count) {
            throw new IllegalStateException("the ledger's database holds " + hashes.size() + " of the " + count
                    + " hashes at level " + level + " from " + first + ": rows removed from ledger."
                    + (level == 0 ? "leaves" : "nodes"));
        }
        return hashes;
    }
}
