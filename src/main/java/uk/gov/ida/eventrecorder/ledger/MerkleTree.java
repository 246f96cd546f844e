package uk.gov.ida.eventrecorder.ledger;

import uk.gov.ida.eventrecorder.digest.RowDigest;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The Merkle tree math of RFC 9162 §2.1 (Certificate Transparency 2.0), over any store of complete subtrees. Every
 * node a root or a proof needs is either an aligned complete subtree or the hash of a right edge D[a:b), and a right
 * edge is built from the complete subtrees its length's bits name: so one small interface serves the in-memory
 * {@link TreeBuilder} and the database alike, and a store that pays per lookup is asked for few nodes.
 * <p>
 * The RFC's recursions only ever split a range [a, b) whose start is a multiple of a power of two at least b − a;
 * {@link #rangeHash} relies on that.
 */
public final class MerkleTree {
    public static final int HASH_BYTES = 32;
    /** RFC 9162 §2.1.1: the hash of an empty list is the hash of the empty string. */
    private static final byte[] EMPTY = RowDigest.sha256().digest();

    private MerkleTree() {
    }

    /** The complete subtree over leaves [index·2^level, (index+1)·2^level), which the source must hold whole. */
    public interface Subtrees {
        byte[] hash(int level, long index);
    }

    public static byte[] emptyRoot() {
        return EMPTY.clone();
    }

    /** RFC 9162 §2.1.1: a leaf's hash is domain-separated from a node's by its first byte, 0x00. */
    public static byte[] leafHash(byte[] entry) {
        MessageDigest sha256 = RowDigest.sha256();
        sha256.update((byte) 0x00);
        sha256.update(entry);
        return sha256.digest();
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        return nodeHash(RowDigest.sha256(), left, right);
    }

    /** With a digest the caller reuses: looking one up costs about as much as hashing 65 bytes. */
    static byte[] nodeHash(MessageDigest sha256, byte[] left, byte[] right) {
        sha256.update((byte) 0x01);
        sha256.update(left);
        sha256.update(right);
        return sha256.digest();
    }

    /** MTH(D[0:size]). */
    public static byte[] root(long size, Subtrees tree) {
        requireSize(size);
        return size == 0 ? emptyRoot() : rangeHash(0, size, tree);
    }

    /** RFC 9162 §2.1.3.1 PATH(index, D[0:size]): the audit path, nearest the leaf first. */
    public static List<byte[]> inclusionProof(long index, long size, Subtrees tree) {
        requireSize(size);
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("leaf index " + index + " is outside a tree of " + size + " leaves");
        }
        List<byte[]> proof = new ArrayList<>();
        long start = 0;
        long end = size;
        // Walk down from the root; each step's sibling is needed last, so collect top-down and reverse.
        while (end - start > 1) {
            long k = largestPowerOfTwoBelow(end - start);
            if (index - start < k) {
                proof.add(rangeHash(start + k, end, tree));
                end = start + k;
            } else {
                proof.add(rangeHash(start, start + k, tree));
                start += k;
            }
        }
        Collections.reverse(proof);
        return Collections.unmodifiableList(proof);
    }

    /**
     * RFC 9162 §2.1.4.1 PROOF(oldSize, D[0:newSize]); empty when the old tree is empty or the same size, since the
     * RFC defines no proof for those (verification then compares roots alone).
     */
    public static List<byte[]> consistencyProof(long oldSize, long newSize, Subtrees tree) {
        requireSize(oldSize);
        if (newSize < oldSize) {
            throw new IllegalArgumentException("tree size " + newSize + " is smaller than the old size " + oldSize);
        }
        if (oldSize == 0 || oldSize == newSize) {
            return List.of();
        }
        List<byte[]> proof = new ArrayList<>();
        long m = oldSize;
        long start = 0;
        long end = newSize;
        boolean wholeOldTree = true;
        // SUBPROOF(m, D[start:end], b), unrolled top-down like the inclusion proof.
        while (m != end - start) {
            long k = largestPowerOfTwoBelow(end - start);
            if (m <= k) {
                proof.add(rangeHash(start + k, end, tree));
                end = start + k;
            } else {
                proof.add(rangeHash(start, start + k, tree));
                m -= k;
                start += k;
                wholeOldTree = false;
            }
        }
        if (!wholeOldTree) {
            proof.add(rangeHash(start, end, tree));
        }
        Collections.reverse(proof);
        return Collections.unmodifiableList(proof);
    }

    /** RFC 9162 §2.1.3.2, step by step. */
    public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
        if (index < 0 || size <= 0 || index >= size || !isHash(leafHash) || !isHash(root) || !allHashes(proof)) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /**
     * RFC 9162 §2.1.4.2, step by step, plus the two cases the RFC leaves to the caller: equal sizes (an empty proof
     * and equal roots) and an empty old tree (an empty proof and the empty root; any tree extends it).
     */
    public static boolean verifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot,
                                            List<byte[]> proof) {
        if (oldSize < 0 || newSize < oldSize || !isHash(oldRoot) || !isHash(newRoot) || !allHashes(proof)) {
            return false;
        }
        if (oldSize == newSize) {
            return proof.isEmpty() && Arrays.equals(oldRoot, newRoot);
        }
        if (oldSize == 0) {
            return proof.isEmpty() && Arrays.equals(oldRoot, EMPTY);
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(oldSize) == 1) {
            path.add(0, oldRoot);
        }
        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return Arrays.equals(fr, oldRoot) && Arrays.equals(sr, newRoot) && sn == 0;
    }

    /**
     * MTH(D[start:end]) where start is a multiple of a power of two at least end − start (as every range the RFC's
     * recursions reach is): the complete subtrees that end − start's bits name, left to right, folded from the right.
     */
    static byte[] rangeHash(long start, long end, Subtrees tree) {
        long length = end - start;
        int levels = Long.bitCount(length);
        byte[][] peaks = new byte[levels][];
        long at = start;
        int i = 0;
        for (int level = 63 - Long.numberOfLeadingZeros(length); level >= 0; level--) {
            if ((length & (1L << level)) != 0) {
                peaks[i++] = tree.hash(level, at >>> level);
                at += 1L << level;
            }
        }
        byte[] hash = peaks[levels - 1];
        for (int j = levels - 2; j >= 0; j--) {
            hash = nodeHash(peaks[j], hash);
        }
        return hash;
    }

    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }

    static boolean isHash(byte[] hash) {
        return hash != null && hash.length == HASH_BYTES;
    }

    private static boolean allHashes(List<byte[]> proof) {
        return proof != null && proof.stream().allMatch(MerkleTree::isHash);
    }

    private static void requireSize(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("a tree has no negative size (" + size + ")");
        }
    }
}
