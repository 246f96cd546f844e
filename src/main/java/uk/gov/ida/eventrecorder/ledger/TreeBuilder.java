package uk.gov.ida.eventrecorder.ledger;

import uk.gov.ida.eventrecorder.digest.RowDigest;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * A Merkle tree built in memory by appending leaf hashes, as verify rebuilds the ledger from the entries its
 * checkpoints publish. The right edge (the complete subtrees the size's bits name, RFC 9162's "compact range") gives
 * the root in O(log n) at any size. A builder that serves proofs also keeps every leaf hash (32 bytes each) and every
 * complete subtree at levels 4, 8, 12, … (1/15 more), so any subtree is at most 8 stored hashes and 7 node hashes
 * away; {@link #rootsOnly()} keeps the right edge alone, for a tree too large to hold (100 M leaves would be 3.2 GB).
 * Like a {@code MessageDigest}, one builder serves one thread at a time.
 */
public final class TreeBuilder implements MerkleTree.Subtrees {
    /** Levels whose complete subtrees are kept: every fourth, as the database keeps them. */
    static final int STORED_LEVEL_STEP = 4;
    private final boolean keepsSubtrees;
    private final MessageDigest sha256 = RowDigest.sha256();
    private final List<StoredHashes> stored = new ArrayList<>();
    /** The right edge: complete subtrees of strictly decreasing level, left to right. */
    private final List<byte[]> edge = new ArrayList<>();
    private final List<Integer> edgeLevels = new ArrayList<>();
    private long size;

    private TreeBuilder(boolean keepsSubtrees) {
        this.keepsSubtrees = keepsSubtrees;
    }

    /** A builder that answers proofs over everything appended. */
    public TreeBuilder() {
        this(true);
    }

    /** A builder that gives roots only, in memory that does not grow with the tree. */
    public static TreeBuilder rootsOnly() {
        return new TreeBuilder(false);
    }

    public void append(byte[] leafHash) {
        if (!MerkleTree.isHash(leafHash)) {
            throw new IllegalArgumentException("a leaf hash is " + MerkleTree.HASH_BYTES + " bytes");
        }
        byte[] hash = leafHash.clone();
        keep(0, hash);
        int level = 0;
        // Like binary addition: each complete pair at the edge's right end merges into the level above.
        while (!edgeLevels.isEmpty() && edgeLevels.get(edgeLevels.size() - 1) == level) {
            hash = MerkleTree.nodeHash(sha256, edge.remove(edge.size() - 1), hash);
            edgeLevels.remove(edgeLevels.size() - 1);
            level++;
            keep(level, hash);
        }
        edge.add(hash);
        edgeLevels.add(level);
        size++;
    }

    public long size() {
        return size;
    }

    /** MTH over everything appended. */
    public byte[] root() {
        if (edge.isEmpty()) {
            return MerkleTree.emptyRoot();
        }
        byte[] hash = edge.get(edge.size() - 1);
        for (int i = edge.size() - 2; i >= 0; i--) {
            hash = MerkleTree.nodeHash(sha256, edge.get(i), hash);
        }
        return hash;
    }

    @Override
    public byte[] hash(int level, long index) {
        if (level < 0 || level > 62 || index < 0 || (index + 1) > (size >>> level)) {
            throw new IllegalArgumentException("no complete subtree at level " + level + ", index " + index
                    + " in a tree of " + size + " leaves");
        }
        if (!keepsSubtrees) {
            throw new IllegalStateException("this builder keeps roots only, not the subtrees proofs need");
        }
        int base = level - level % STORED_LEVEL_STEP;
        return combine(stored.get(base / STORED_LEVEL_STEP), level - base, index << (level - base));
    }

    /** The subtree of {@code height} levels over the stored hashes from {@code first}. */
    private byte[] combine(StoredHashes hashes, int height, long first) {
        if (height == 0) {
            return hashes.get(first);
        }
        return MerkleTree.nodeHash(sha256, combine(hashes, height - 1, first),
                combine(hashes, height - 1, first + (1L << (height - 1))));
    }

    private void keep(int level, byte[] hash) {
        if (!keepsSubtrees || level % STORED_LEVEL_STEP != 0) {
            return;
        }
        int slot = level / STORED_LEVEL_STEP;
        if (stored.size() == slot) {
            stored.add(new StoredHashes());
        }
        stored.get(slot).add(hash);
    }
}
