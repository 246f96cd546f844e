package uk.gov.ida.eventrecorder.ledger;

import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import java.io.IOException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger's tree as the database holds it ({@code ledger.leaves}, {@code ledger.nodes}: migration V11), with the
 * leaves a run is appending on top until it commits. Complete subtrees are stored at levels 4, 8, 12, … only (about
 * one node row per 15 leaves); a subtree at another level is folded from at most 8 stored hashes of the stored level
 * below it, read in one query. So a root or a proof over any size costs a few dozen queries.
 *
 * <p>Every leaf read is checked: its leaf hash must be the hash of the entry its columns make. A leaf or node changed
 * in the database then shows as a root that differs from the signed one, or as a {@link Tampered} leaf.
 */
final class StoredTree implements MerkleTree.Subtrees {
    static final int STEP = 4;

    /** A stored leaf or node is not what the ledger wrote. */
    static final class Tampered extends RuntimeException {
        Tampered(String message) {
            super(message, null, false, false);
        }
    }

    private final Connection connection;
    private final long storedSize;
    private final List<LeafEntry> added = new ArrayList<>();
    private final List<byte[]> addedHashes = new ArrayList<>();
    private final Map<Integer, Map<Long, byte[]>> addedNodes = new HashMap<>();

    /** @param storedSize the leaves the database holds, committed by earlier checkpoints */
    StoredTree(Connection connection, long storedSize) {
        this.connection = connection;
        this.storedSize = storedSize;
    }

    /** The leaves {@link #append} added, in order. */
    List<LeafEntry> added() {
        return List.copyOf(added);
    }

    long size() {
        return storedSize + added.size();
    }

    /** Appends a leaf (in memory), and every stored-level node it completes. */
    void append(LeafEntry entry) {
        added.add(entry);
        addedHashes.add(entry.leafHash());
        long end = size();
        for (int level = STEP; level < 63 && end % (1L << level) == 0; level += STEP) {
            long index = (end >> level) - 1;
            addedNodes.computeIfAbsent(level, l -> new HashMap<>()).put(index, fold(level - STEP, level, index));
        }
    }

    /** Writes what {@link #append} added: the leaves and the nodes they complete, in the caller's transaction. */
    void write() throws SQLException {
        if (!added.isEmpty()) {
            // COPY, binary: the leaves are one stream, not a statement each, which is most of the database's work
            // for a leaf (parse, bind and execute per row against a single row's insert).
            PGCopyOutputStream stream = new PGCopyOutputStream(connection.unwrap(PGConnection.class), "COPY "
                    + "ledger.leaves (position, table_name, row_key, day, kind, row_hash, leaf_hash) FROM STDIN "
                    + "(FORMAT binary)", 1 << 16);
            try {
                LeafCopy copy = new LeafCopy(stream);
                for (int i = 0; i < added.size(); i++) {
                    copy.add(storedSize + i, added.get(i), addedHashes.get(i));
                }
                copy.end();
                stream.endCopy();
            } catch (IOException e) {
                cancel(stream);
                // The driver's stream wraps the database's error: the caller reads its SQLState.
                throw e.getCause() instanceof SQLException database ? database
                        : new SQLException("could not stream the leaves to the database", e);
            } catch (SQLException | RuntimeException e) {
                cancel(stream);
                throw e;
            }
        }
        try (PreparedStatement node = connection.prepareStatement(
                "INSERT INTO ledger.nodes (level, idx, hash) VALUES (?, ?, ?)")) {
            for (Map.Entry<Integer, Map<Long, byte[]>> level : addedNodes.entrySet()) {
                for (Map.Entry<Long, byte[]> n : level.getValue().entrySet()) {
                    node.setShort(1, level.getKey().shortValue());
                    node.setLong(2, n.getKey());
                    node.setBytes(3, n.getValue());
                    node.addBatch();
                }
            }
            node.executeBatch();
        }
    }

    private static void cancel(PGCopyOutputStream stream) {
        if (stream.isActive()) {
            try {
                stream.cancelCopy();
            } catch (SQLException ignored) {
                // The connection is gone or the copy ended: the caller's error says why, and its transaction rolls back.
            }
        }
    }

    @Override
    public byte[] hash(int level, long index) {
        if (level % STEP == 0) {
            return stored(level, index, 1).get(0);
        }
        return fold(level - level % STEP, level, index);
    }

    /** The subtree (level, index) from the stored hashes at {@code base} below it. */
    private byte[] fold(int base, int level, long index) {
        int width = 1 << (level - base);
        List<byte[]> hashes = stored(base, index * width, width);
        while (hashes.size() > 1) {
            List<byte[]> up = new ArrayList<>(hashes.size() / 2);
            for (int i = 0; i < hashes.size(); i += 2) {
                up.add(MerkleTree.nodeHash(hashes.get(i), hashes.get(i + 1)));
            }
            hashes = up;
        }
        return hashes.get(0);
    }

    /** {@code count} hashes at a stored level (0: leaves) from {@code from}, from this run's or the database's. */
    private List<byte[]> stored(int level, long from, int count) {
        byte[][] hashes = new byte[count][];
        int missing = 0;
        long firstAdded = storedSize >> level; // the first index at this level that may be this run's
        for (int i = 0; i < count; i++) {
            long index = from + i;
            if (level == 0 && index >= storedSize) {
                hashes[i] = index - storedSize < addedHashes.size() ? addedHashes.get((int) (index - storedSize))
                        : null;
            } else if (level > 0 && index >= firstAdded) {
                hashes[i] = addedNodes.getOrDefault(level, Map.of()).get(index);
            }
            if (hashes[i] == null) {
                missing++;
            }
        }
        if (missing > 0) {
            try {
                read(level, from, hashes);
            } catch (SQLException e) {
                throw new StoreFailure(e);
            }
        }
        for (int i = 0; i < count; i++) {
            if (hashes[i] == null) {
                throw new Tampered("the database's ledger has no " + (level == 0 ? "leaf " + (from + i)
                        : "node at level " + level + ", index " + (from + i)) + " in a tree of " + size()
                        + " leaves");
            }
        }
        return Arrays.asList(hashes);
    }

    private void read(int level, long from, byte[][] into) throws SQLException {
        String sql = level == 0
                ? "SELECT position, leaf_hash, kind, table_name, day, row_key, row_hash FROM ledger.leaves "
                + "WHERE position >= ? AND position < ?"
                : "SELECT idx, hash FROM ledger.nodes WHERE level = ? AND idx >= ? AND idx < ?";
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            int p = 1;
            if (level > 0) {
                s.setShort(p++, (short) level);
            }
            s.setLong(p++, from);
            s.setLong(p, from + into.length);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int at = (int) (rs.getLong(1) - from);
                    if (into[at] != null) {
                        continue; // this run's own
                    }
                    byte[] hash = rs.getBytes(2);
                    if (level == 0) {
                        byte[] fromColumns = leaf(rs).leafHash();
                        if (!Arrays.equals(fromColumns, hash)) {
                            throw new Tampered("the database's leaf " + rs.getLong(1) + " does not hash to its "
                                    + "stored leaf hash: its row was changed after it was written");
                        }
                    }
                    into[at] = hash;
                }
            }
        }
    }

    /** The entry a leaf row's columns make (from column 3: kind, table_name, day, row_key, row_hash). */
    static LeafEntry leaf(ResultSet rs) throws SQLException {
        String[] key = (String[]) rs.getArray(6).getArray();
        try {
            return new LeafEntry(LeafEntry.Kind.of(rs.getShort(3)), rs.getString(4), rs.getString(5),
                    Arrays.asList(key), rs.getBytes(7));
        } catch (LedgerFormatException | NullPointerException e) {
            throw new Tampered("the database's leaf " + rs.getLong(1) + " is not an entry the ledger writes: "
                    + e.getMessage());
        }
    }

    /** A database failure while the tree math asked for a hash (the Subtrees interface throws no checked exception). */
    static final class StoreFailure extends RuntimeException {
        StoreFailure(SQLException cause) {
            super(cause);
        }

        SQLException sql() {
            return (SQLException) getCause();
        }
    }
}
