package uk.gov.ida.eventrecorder.ledger;

import java.util.ArrayList;
import java.util.List;

/**
 * An append-only list of 32-byte hashes, indexed by long, in 1 MiB chunks: 32 bytes a hash and no object per hash
 * (a {@code byte[]} each would cost about 56), and no single array that must be copied as it grows.
 */
final class StoredHashes {
    private static final int CHUNK_SHIFT = 15;
    private static final int CHUNK_HASHES = 1 << CHUNK_SHIFT;
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;

    void add(byte[] hash) {
        int offset = (int) (size & (CHUNK_HASHES - 1));
        if (offset == 0) {
            chunks.add(new byte[CHUNK_HASHES * MerkleTree.HASH_BYTES]);
        }
        System.arraycopy(hash, 0, chunks.get(chunks.size() - 1), offset * MerkleTree.HASH_BYTES,
                MerkleTree.HASH_BYTES);
        size++;
    }

    byte[] get(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("hash " + index + " of " + size);
        }
        byte[] hash = new byte[MerkleTree.HASH_BYTES];
        System.arraycopy(chunks.get((int) (index >>> CHUNK_SHIFT)),
                (int) (index & (CHUNK_HASHES - 1)) * MerkleTree.HASH_BYTES, hash, 0, MerkleTree.HASH_BYTES);
        return hash;
    }

    long size() {
        return size;
    }
}
