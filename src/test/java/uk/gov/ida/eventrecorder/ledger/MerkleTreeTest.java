package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MerkleTree} and {@link TreeBuilder} against {@link Rfc9162}, the RFC written again in the test alone: every
 * root, every proof and both verifications agree for every tree of up to 130 leaves, every leaf and every old size.
 */
class MerkleTreeTest {
    private static final int SIZES = 130;

    static byte[][] leafHashes(int n) {
        byte[][] hashes = new byte[n][];
        for (int i = 0; i < n; i++) {
            hashes[i] = Rfc9162.leaf(("leaf " + i).getBytes(StandardCharsets.UTF_8));
        }
        return hashes;
    }

    static TreeBuilder builderOf(byte[][] leaves) {
        TreeBuilder tree = new TreeBuilder();
        for (byte[] leaf : leaves) {
            tree.append(leaf);
        }
        return tree;
    }

    @Test
    void leafAndNodeHashesAreDomainSeparatedAsTheRfcDefinesThem() {
        byte[] data = {1, 2, 3};
        assertArrayEquals(Rfc9162.leaf(data), MerkleTree.leafHash(data));
        byte[] l = Rfc9162.leaf(new byte[]{1});
        byte[] r = Rfc9162.leaf(new byte[]{2});
        assertArrayEquals(Rfc9162.node(l, r), MerkleTree.nodeHash(l, r));
        assertArrayEquals(Rfc9162.sha256(), MerkleTree.emptyRoot());
    }

    @Test
    void everyRootOfUpTo130LeavesIsTheRfcsMth() {
        byte[][] leaves = leafHashes(SIZES);
        TreeBuilder growing = new TreeBuilder();
        TreeBuilder rootsOnly = TreeBuilder.rootsOnly();
        TreeBuilder full = builderOf(leaves);
        for (int n = 0; n <= SIZES; n++) {
            byte[] expected = Rfc9162.mth(leaves, 0, n);
            assertArrayEquals(expected, growing.root(), "builder root at size " + n);
            assertArrayEquals(expected, rootsOnly.root(), "roots-only builder at size " + n);
            assertArrayEquals(expected, MerkleTree.root(n, full), "MerkleTree.root at size " + n);
            if (n < SIZES) {
                growing.append(leaves[n]);
                rootsOnly.append(leaves[n]);
            }
        }
    }

    @Test
    void everyCompleteSubtreeTheBuilderServesIsTheRfcsMthOfItsLeaves() {
        byte[][] leaves = leafHashes(SIZES);
        TreeBuilder tree = builderOf(leaves);
        for (int level = 0; (1 << level) <= SIZES; level++) {
            for (int index = 0; (index + 1) << level <= SIZES; index++) {
                assertArrayEquals(Rfc9162.mth(leaves, index << level, (index + 1) << level), tree.hash(level, index),
                        "level " + level + " index " + index);
            }
        }
    }

    @Test
    void everyInclusionProofOfUpTo130LeavesIsTheRfcsPathAndVerifiesBothWays() {
        byte[][] leaves = leafHashes(SIZES);
        TreeBuilder tree = builderOf(leaves);
        for (int n = 1; n <= SIZES; n++) {
            byte[] root = Rfc9162.mth(leaves, 0, n);
            for (int m = 0; m < n; m++) {
                List<byte[]> proof = MerkleTree.inclusionProof(m, n, tree);
                assertProofEquals(Rfc9162.path(m, leaves, 0, n), proof, "PATH(" + m + ", D[" + n + "])");
                assertTrue(MerkleTree.verifyInclusion(m, n, leaves[m], proof, root), "verify " + m + " of " + n);
                assertTrue(Rfc9162.verifyInclusion(m, n, leaves[m], proof, root), "RFC verify " + m + " of " + n);
            }
        }
    }

    @Test
    void everyConsistencyProofOfUpTo130LeavesIsTheRfcsProofAndVerifiesBothWays() {
        byte[][] leaves = leafHashes(SIZES);
        TreeBuilder tree = builderOf(leaves);
        for (int n = 0; n <= SIZES; n++) {
            byte[] newRoot = Rfc9162.mth(leaves, 0, n);
            for (int m = 0; m <= n; m++) {
                byte[] oldRoot = Rfc9162.mth(leaves, 0, m);
                List<byte[]> proof = MerkleTree.consistencyProof(m, n, tree);
                if (m == 0 || m == n) {
                    assertEquals(0, proof.size(), "no proof from " + m + " to " + n);
                } else {
                    assertProofEquals(Rfc9162.proof(m, leaves, n), proof, "PROOF(" + m + ", D[" + n + "])");
                    assertTrue(Rfc9162.verifyConsistency(m, n, oldRoot, newRoot, proof), "RFC " + m + "→" + n);
                }
                assertTrue(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, proof), "verify " + m + "→" + n);
            }
        }
    }

    /** Verify rebuilds trees of millions of leaves; a few random sizes that large, checked at random places. */
    @Test
    void largeTreesAgreeWithTheRfcAtRandomLeavesAndOldSizes() {
        Random random = new Random(9162);
        for (int n : new int[]{(1 << 20) + 1, 2_000_000 + random.nextInt(1_000_000)}) {
            byte[][] leaves = new byte[n][];
            for (int i = 0; i < n; i++) {
                leaves[i] = Rfc9162.leaf(new byte[]{(byte) i, (byte) (i >> 8), (byte) (i >> 16), (byte) (i >> 24)});
            }
            TreeBuilder tree = builderOf(leaves);
            byte[] root = Rfc9162.mth(leaves, 0, n);
            assertArrayEquals(root, tree.root(), "builder root at " + n);
            assertArrayEquals(root, MerkleTree.root(n, tree), "root at " + n);
            for (int trial = 0; trial < 4; trial++) {
                int m = random.nextInt(n);
                List<byte[]> proof = MerkleTree.inclusionProof(m, n, tree);
                assertProofEquals(Rfc9162.path(m, leaves, 0, n), proof, "PATH(" + m + ", D[" + n + "])");
                assertTrue(Rfc9162.verifyInclusion(m, n, leaves[m], proof, root));
                int old = 1 + random.nextInt(n - 1);
                List<byte[]> consistency = MerkleTree.consistencyProof(old, n, tree);
                assertProofEquals(Rfc9162.proof(old, leaves, n), consistency, "PROOF(" + old + ", D[" + n + "])");
                assertTrue(Rfc9162.verifyConsistency(old, n, Rfc9162.mth(leaves, 0, old), root, consistency));
            }
        }
    }

    @Test
    void aChangedLeafAChangedProofNodeAWrongSizeOrAWrongLengthFailsInclusion() {
        byte[][] leaves = leafHashes(21);
        TreeBuilder tree = builderOf(leaves);
        byte[] root = tree.root();
        for (int m = 0; m < 21; m++) {
            List<byte[]> proof = MerkleTree.inclusionProof(m, 21, tree);
            assertTrue(MerkleTree.verifyInclusion(m, 21, leaves[m], proof, root));
            assertFalse(MerkleTree.verifyInclusion(m, 21, leaves[(m + 1) % 21], proof, root), "other leaf");
            assertFalse(MerkleTree.verifyInclusion(m, 21, leaves[m], proof, flip(root)), "other root");
            for (int i = 0; i < proof.size(); i++) {
                List<byte[]> changed = new ArrayList<>(proof);
                changed.set(i, flip(proof.get(i)));
                assertFalse(MerkleTree.verifyInclusion(m, 21, leaves[m], changed, root), "node " + i + " changed");
            }
            // A path binds the size only through its shape: another size whose path has the same shape leads to
            // the same root (the RFC's verification agrees), which is why the size is in the signed checkpoint.
            for (int size = m + 1; size <= 64; size++) {
                if (size != 21) {
                    boolean holds = MerkleTree.verifyInclusion(m, size, leaves[m], proof, root);
                    assertEquals(Rfc9162.verifyInclusion(m, size, leaves[m], proof, root), holds, "size " + size);
                    if (Rfc9162.path(m, leafHashes(size), 0, size).size() != proof.size()) {
                        assertFalse(holds, "size " + size + " has a path of another length");
                    }
                }
            }
            List<byte[]> longer = new ArrayList<>(proof);
            longer.add(leaves[0]);
            assertFalse(MerkleTree.verifyInclusion(m, 21, leaves[m], longer, root), "a node too many");
            if (!proof.isEmpty()) {
                assertFalse(MerkleTree.verifyInclusion(m, 21, leaves[m], proof.subList(0, proof.size() - 1), root),
                        "a node too few");
            }
            assertFalse(MerkleTree.verifyInclusion(21, 21, leaves[m], proof, root), "index past the end");
        }
    }

    @Test
    void aChangedRootAChangedProofNodeAWrongSizeOrAWrongLengthFailsConsistency() {
        byte[][] leaves = leafHashes(37);
        TreeBuilder tree = builderOf(leaves);
        byte[] newRoot = tree.root();
        for (int m = 1; m < 37; m++) {
            byte[] oldRoot = MerkleTree.root(m, tree);
            List<byte[]> proof = MerkleTree.consistencyProof(m, 37, tree);
            assertTrue(MerkleTree.verifyConsistency(m, 37, oldRoot, newRoot, proof));
            assertFalse(MerkleTree.verifyConsistency(m, 37, flip(oldRoot), newRoot, proof), "old root " + m);
            assertFalse(MerkleTree.verifyConsistency(m, 37, oldRoot, flip(newRoot), proof), "new root " + m);
            for (int i = 0; i < proof.size(); i++) {
                List<byte[]> changed = new ArrayList<>(proof);
                changed.set(i, flip(proof.get(i)));
                assertFalse(MerkleTree.verifyConsistency(m, 37, oldRoot, newRoot, changed), m + ": node " + i);
            }
            for (int size = m + 1; size <= 64; size++) {
                if (size != 37) {
                    boolean holds = MerkleTree.verifyConsistency(m, size, oldRoot, newRoot, proof);
                    assertEquals(Rfc9162.verifyConsistency(m, size, oldRoot, newRoot, proof), holds, m + "→" + size);
                    if (Rfc9162.proof(m, leafHashes(size), size).size() != proof.size()) {
                        assertFalse(holds, m + "→" + size + " has a proof of another length");
                    }
                }
            }
            if (m + 1 < 37) {
                assertFalse(MerkleTree.verifyConsistency(m + 1, 37, oldRoot, newRoot, proof), m + ": old size + 1");
            }
            List<byte[]> longer = new ArrayList<>(proof);
            longer.add(leaves[0]);
            assertFalse(MerkleTree.verifyConsistency(m, 37, oldRoot, newRoot, longer), m + ": a node too many");
            assertFalse(MerkleTree.verifyConsistency(m, 37, oldRoot, newRoot, proof.subList(0, proof.size() - 1)),
                    m + ": a node too few");
        }
        assertFalse(MerkleTree.verifyConsistency(37, 37, newRoot, flip(newRoot), List.of()),
                "equal sizes, roots differ");
        assertFalse(MerkleTree.verifyConsistency(0, 37, flip(MerkleTree.emptyRoot()), newRoot, List.of()),
                "from empty, a root that is not the empty root");
        assertFalse(MerkleTree.verifyConsistency(37, 36, newRoot, newRoot, List.of()), "a tree that shrinks");
    }

    @Test
    void theBuilderRefusesSubtreesItDoesNotHoldWhole() {
        TreeBuilder tree = builderOf(leafHashes(5));
        assertThrowsIllegal(() -> tree.hash(1, 2));
        assertThrowsIllegal(() -> tree.hash(3, 0));
        assertThrowsIllegal(() -> tree.hash(0, 5));
        assertThrowsIllegal(() -> MerkleTree.inclusionProof(5, 5, tree));
        assertThrowsIllegal(() -> MerkleTree.consistencyProof(3, 2, tree));
    }

    static void assertProofEquals(List<byte[]> expected, List<byte[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": length");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ": node " + i);
        }
    }

    static byte[] flip(byte[] hash) {
        byte[] changed = hash.clone();
        changed[changed.length - 1] ^= 1;
        return changed;
    }

    private static void assertThrowsIllegal(org.junit.jupiter.api.function.Executable call) {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, call);
    }
}
