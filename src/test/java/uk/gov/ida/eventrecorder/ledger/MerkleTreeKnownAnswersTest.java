package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Published answers for RFC 6962/9162 hashing (the two define the same tree hash), from
 * github.com/transparency-dev/merkle at commit 417fb0c314750d94e53942e9f92e79b6d35915db: the leaves, node hashes and roots of testonly/constants.go
 * ({@code LeafInputs}, {@code NodeHashes}, {@code RootHashes}), and the proofs of cmd/proofgen/main.go
 * ({@code inclusionProofs}, {@code consistencyProofs}; there a leaf index counts from 1).
 */
class MerkleTreeKnownAnswersTest {
    private static final byte[][] LEAF_INPUTS = hex("", "00", "10", "2021", "3031", "40414243",
            "5051525354555657", "606162636465666768696a6b6c6d6e6f");
    private static final String[][] NODE_HASHES = {
            {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"},
            {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"},
            {"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
            {"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"}};
    private static final byte[][] ROOT_HASHES = hex(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    private record Vector(long a, long b, byte[][] proof) {
    }

    /** {leaf index from 1, tree size, PATH}. */
    private static final List<Vector> INCLUSION = List.of(
            new Vector(1, 1, hex()),
            new Vector(1, 8, hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
            new Vector(6, 8, hex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            new Vector(3, 3, hex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
            new Vector(2, 5, hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")));

    /** {old size, new size, PROOF}. */
    private static final List<Vector> CONSISTENCY = List.of(
            new Vector(1, 1, hex()),
            new Vector(1, 8, hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
            new Vector(6, 8, hex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            new Vector(2, 5, hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
            new Vector(6, 7, hex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")));

    private final TreeBuilder tree = new TreeBuilder();

    MerkleTreeKnownAnswersTest() {
        for (byte[] input : LEAF_INPUTS) {
            tree.append(MerkleTree.leafHash(input));
        }
    }

    @Test
    void theRootOfEachPrefixOfThePublishedLeavesIsThePublishedRoot() {
        for (int n = 0; n <= LEAF_INPUTS.length; n++) {
            assertArrayEquals(ROOT_HASHES[n], MerkleTree.root(n, tree), "root of " + n);
        }
        assertArrayEquals(ROOT_HASHES[LEAF_INPUTS.length], tree.root());
    }

    @Test
    void everyCompleteSubtreeIsThePublishedNodeHash() {
        for (int level = 0; level < NODE_HASHES.length; level++) {
            for (int index = 0; index < NODE_HASHES[level].length; index++) {
                assertArrayEquals(HexFormat.of().parseHex(NODE_HASHES[level][index]), tree.hash(level, index),
                        "level " + level + " index " + index);
            }
        }
    }

    @Test
    void theInclusionProofsAreThePublishedOnesAndVerify() {
        for (Vector v : INCLUSION) {
            long index = v.a() - 1;
            List<byte[]> proof = MerkleTree.inclusionProof(index, v.b(), tree);
            MerkleTreeTest.assertProofEquals(Arrays.asList(v.proof()), proof, "leaf " + index + " of " + v.b());
            assertTrue(MerkleTree.verifyInclusion(index, v.b(), MerkleTree.leafHash(LEAF_INPUTS[(int) index]),
                    Arrays.asList(v.proof()), ROOT_HASHES[(int) v.b()]));
        }
    }

    @Test
    void theConsistencyProofsAreThePublishedOnesAndVerify() {
        for (Vector v : CONSISTENCY) {
            List<byte[]> proof = MerkleTree.consistencyProof(v.a(), v.b(), tree);
            MerkleTreeTest.assertProofEquals(Arrays.asList(v.proof()), proof, v.a() + " to " + v.b());
            assertTrue(MerkleTree.verifyConsistency(v.a(), v.b(), ROOT_HASHES[(int) v.a()], ROOT_HASHES[(int) v.b()],
                    Arrays.asList(v.proof())));
        }
    }

    private static byte[][] hex(String... values) {
        return Arrays.stream(values).map(HexFormat.of()::parseHex).toArray(byte[][]::new);
    }
}
