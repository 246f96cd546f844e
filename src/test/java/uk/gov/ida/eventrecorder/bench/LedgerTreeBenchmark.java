package uk.gov.ida.eventrecorder.bench;

import uk.gov.ida.eventrecorder.ledger.MerkleTree;
import uk.gov.ida.eventrecorder.ledger.TreeBuilder;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory tree verify rebuilds from the bucket's entries
 * ({@code mvn -B -ntp -q exec:exec -Dexec.mainClass=uk.gov.ida.eventrecorder.bench.LedgerTreeBenchmark
 * -Dexec.appArgs=<leaves>}, default 10 million): appends a second with and without the subtrees proofs need, the heap
 * a leaf costs, and for proofs at random places their time and how many subtrees each asks of its source (what a
 * source that pays a query per subtree, as the database does, would pay).
 */
public final class LedgerTreeBenchmark {
    public static void main(String[] args) {
        int leaves = args.length > 0 && !args[0].isBlank() ? Integer.parseInt(args[0].replace("_", "")) : 10_000_000;
        byte[][] hashes = new byte[1 << 16][];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = MerkleTree.leafHash(ByteBuffer.allocate(4).putInt(i).array());
        }
        long heapBefore = usedHeap();
        long started = System.nanoTime();
        TreeBuilder tree = new TreeBuilder();
        for (int i = 0; i < leaves; i++) {
            tree.append(hashes[i & (hashes.length - 1)]);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long heap = usedHeap() - heapBefore;
        System.out.printf("full builder: %,d leaves in %.1f s (%,.0f a second), %.1f heap bytes a leaf%n", leaves,
                seconds, leaves / seconds, (double) heap / leaves);

        started = System.nanoTime();
        TreeBuilder rootsOnly = TreeBuilder.rootsOnly();
        for (int i = 0; i < leaves; i++) {
            rootsOnly.append(hashes[i & (hashes.length - 1)]);
        }
        seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("roots-only builder: %,.0f appends a second; roots equal: %b%n", leaves / seconds,
                java.util.Arrays.equals(tree.root(), rootsOnly.root()));

        AtomicLong asked = new AtomicLong();
        MerkleTree.Subtrees counting = (level, index) -> {
            asked.incrementAndGet();
            return tree.hash(level, index);
        };
        Random random = new Random(1);
        int proofs = 10_000;
        started = System.nanoTime();
        for (int i = 0; i < proofs; i++) {
            MerkleTree.inclusionProof(random.nextInt(leaves), leaves, counting);
        }
        System.out.printf("inclusion proof: %.1f µs, %.1f subtrees asked (a proof has ~%d nodes)%n",
                (System.nanoTime() - started) / 1e3 / proofs, (double) asked.getAndSet(0) / proofs,
                64 - Long.numberOfLeadingZeros(leaves - 1));
        started = System.nanoTime();
        for (int i = 0; i < proofs; i++) {
            MerkleTree.consistencyProof(1 + random.nextInt(leaves - 1), leaves, counting);
        }
        System.out.printf("consistency proof: %.1f µs, %.1f subtrees asked%n",
                (System.nanoTime() - started) / 1e3 / proofs, (double) asked.getAndSet(0) / proofs);
        started = System.nanoTime();
        for (int i = 0; i < proofs; i++) {
            MerkleTree.root(1 + random.nextInt(leaves), counting);
        }
        System.out.printf("root of an earlier size: %.1f µs, %.1f subtrees asked%n",
                (System.nanoTime() - started) / 1e3 / proofs, (double) asked.getAndSet(0) / proofs);
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
