package uk.gov.ida.eventrecorder.ledger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * RFC 9162 §2.1 written again from the RFC's text alone, recursively, as a yardstick for {@link MerkleTree}: it calls
 * no class of the project. Lists of leaves are given as their leaf hashes, so MTH of one leaf is that hash.
 */
final class Rfc9162 {
    /** Keyed by the leaves array itself (arrays compare by identity), and dropped with it. */
    private static final Map<byte[][], Map<Long, byte[]>> MEMO = Collections.synchronizedMap(new WeakHashMap<>());

    private Rfc9162() {
    }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)). */
    static byte[] leaf(byte[] data) {
        return sha256(new byte[]{0x00}, data);
    }

    static byte[] node(byte[] left, byte[] right) {
        return sha256(new byte[]{0x01}, left, right);
    }

    /** The largest power of two smaller than n (n > 1). */
    static int k(int n) {
        int k = 1;
        while (k * 2 < n) {
            k *= 2;
        }
        return k;
    }

    /** §2.1.1 MTH(D[a:b]). */
    static byte[] mth(byte[][] leaves, int a, int b) {
        int n = b - a;
        if (n == 0) {
            return sha256();
        }
        if (n == 1) {
            return leaves[a];
        }
        // Remembered for large complete subtrees only, so that trees of millions of leaves cost each hash once
        // without holding one object per node: a pure function's memo, changing no result.
        boolean remembered = n >= 256 && Integer.bitCount(n) == 1;
        Map<Long, byte[]> memo = MEMO.computeIfAbsent(leaves, l -> new HashMap<>());
        long key = ((long) a << 6) | Integer.numberOfTrailingZeros(n);
        if (remembered && memo.containsKey(key)) {
            return memo.get(key);
        }
        int k = k(n);
        byte[] hash = node(mth(leaves, a, a + k), mth(leaves, a + k, b));
        if (remembered) {
            memo.put(key, hash);
        }
        return hash;
    }

    /** §2.1.3.1 PATH(m, D[a:b]), m relative to a. */
    static List<byte[]> path(int m, byte[][] leaves, int a, int b) {
        int n = b - a;
        List<byte[]> out = new ArrayList<>();
        if (n == 1) {
            return out;
        }
        int k = k(n);
        if (m < k) {
            out.addAll(path(m, leaves, a, a + k));
            out.add(mth(leaves, a + k, b));
        } else {
            out.addAll(path(m - k, leaves, a + k, b));
            out.add(mth(leaves, a, a + k));
        }
        return out;
    }

    /** §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m < n. */
    static List<byte[]> proof(int m, byte[][] leaves, int n) {
        return subproof(m, leaves, 0, n, true);
    }

    static List<byte[]> subproof(int m, byte[][] leaves, int a, int b, boolean first) {
        int n = b - a;
        List<byte[]> out = new ArrayList<>();
        if (m == n) {
            if (!first) {
                out.add(mth(leaves, a, b));
            }
            return out;
        }
        int k = k(n);
        if (m <= k) {
            out.addAll(subproof(m, leaves, a, a + k, first));
            out.add(mth(leaves, a + k, b));
        } else {
            out.addAll(subproof(m - k, leaves, a + k, b, false));
            out.add(mth(leaves, a, a + k));
        }
        return out;
    }

    /** §2.1.3.2, its numbered steps. */
    static boolean verifyInclusion(long leafIndex, long treeSize, byte[] hash, List<byte[]> path, byte[] root) {
        // 1. Compare leaf_index against tree_size. If leaf_index is greater than or equal to tree_size, then fail.
        if (leafIndex >= treeSize) {
            return false;
        }
        // 2. Set fn to leaf_index and sn to tree_size - 1.
        long fn = leafIndex;
        long sn = treeSize - 1;
        // 3. Set r to hash.
        byte[] r = hash;
        // 4. For each value p in the inclusion_path array:
        for (byte[] p : path) {
            // a. If sn is 0, then stop the iteration and fail the proof verification.
            if (sn == 0) {
                return false;
            }
            // b. If LSB(fn) is set, or if fn is equal to sn, then:
            if ((fn & 1) != 0 || fn == sn) {
                // i. Set r to HASH(0x01 || p || r).
                r = node(p, r);
                // ii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set
                // or fn is 0.
                if ((fn & 1) == 0) {
                    while (!((fn & 1) != 0 || fn == 0)) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                // Otherwise: Set r to HASH(0x01 || r || p).
                r = node(r, p);
            }
            // c. Finally, right-shift both fn and sn one time.
            fn >>= 1;
            sn >>= 1;
        }
        // 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the root_hash are
        // equal, then the log has proven the inclusion of hash. Otherwise, fail the proof verification.
        return sn == 0 && Arrays.equals(r, root);
    }

    /** §2.1.4.2, its numbered steps (for 0 < first < second, where the RFC defines a proof). */
    static boolean verifyConsistency(long first, long second, byte[] firstHash, byte[] secondHash,
                                     List<byte[]> consistencyPath) {
        // 1. If consistency_path is an empty array, stop and fail the proof verification.
        if (consistencyPath.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(consistencyPath);
        // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
        if (Long.bitCount(first) == 1) {
            path.add(0, firstHash);
        }
        // 3. Set fn to first - 1 and sn to second - 1.
        long fn = first - 1;
        long sn = second - 1;
        // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
        while ((fn & 1) != 0) {
            fn >>= 1;
            sn >>= 1;
        }
        // 5. Set both fr and sr to the first value in the consistency_path array.
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        // 6. For each subsequent value c in the consistency_path array:
        for (byte[] c : path.subList(1, path.size())) {
            // a. If sn is 0, then stop the iteration and fail the proof verification.
            if (sn == 0) {
                return false;
            }
            // b. If LSB(fn) is set, or if fn is equal to sn, then:
            if ((fn & 1) != 0 || fn == sn) {
                // i. Set fr to HASH(0x01 || c || fr). Set sr to HASH(0x01 || c || sr).
                fr = node(c, fr);
                sr = node(c, sr);
                // ii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set
                // or fn is 0.
                if ((fn & 1) == 0) {
                    while (!((fn & 1) != 0 || fn == 0)) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                // Otherwise: Set sr to HASH(0x01 || sr || c).
                sr = node(sr, c);
            }
            // c. Finally, right-shift both fn and sn one time.
            fn >>= 1;
            sn >>= 1;
        }
        // 7. After completing iterating through the consistency_path array as described above, verify that the fr
        // calculated is equal to the first_hash supplied, that the sr calculated is equal to the second_hash
        // supplied, and that sn is 0.
        return Arrays.equals(fr, firstHash) && Arrays.equals(sr, secondHash) && sn == 0;
    }
}
