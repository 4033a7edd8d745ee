package ai.lmi.server.scheduler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed set of KV-cache blocks (ids 0..n-1): reference counts, the LRU free list, and the prefix cache's
 * map from block hash to block. The only class that touches the free list.
 *
 * <p>A freed block goes to the tail of the free list and keeps its hash, so a later request with the same
 * prefix can revive it; allocation takes from the head and drops the hash of the block it reuses.
 */
public final class BlockPool {
    private final KvBlock[] blocks;
    private final FreeBlockQueue freeList = new FreeBlockQueue();
    /// full computed blocks by key, whether held or free; the first block cached under a key wins
    private final Map<BlockHash, KvBlock> cachedBlocks = new HashMap<>();

    /** A pool of {@code numBlocks} free blocks, listed in id order. */
    public BlockPool(int numBlocks) {
        if (numBlocks < 1) {
            throw new IllegalArgumentException("numBlocks must be >= 1, got " + numBlocks);
        }
        blocks = new KvBlock[numBlocks];
        for (int id = 0; id < numBlocks; id++) {
            blocks[id] = new KvBlock(id);
            freeList.append(blocks[id]);
        }
    }

    public int totalBlocks() {
        return blocks.length;
    }

    /** Blocks no sequence holds, cached ones included: all of them can be allocated. */
    public int numFreeBlocks() {
        return freeList.size();
    }

    KvBlock block(int id) {
        return blocks[id];
    }

    /** Free block ids in reuse order: the head is reused first. */
    int[] freeBlockIds() {
        return freeList.ids();
    }

    /** Takes {@code count} blocks from the head of the free list, evicting their cached hashes. */
    List<KvBlock> allocate(int count) {
        if (count > freeList.size()) {
            throw new IllegalStateException("asked for " + count + " blocks with " + freeList.size() + " free");
        }
        List<KvBlock> allocated = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            KvBlock block = freeList.popFirst();
            if (block.hash != null) {
                cachedBlocks.remove(block.hash, block);
                block.hash = null;
            }
            block.refCount = 1;
            allocated.add(block);
        }
        return allocated;
    }

    /** The block cached under {@code hash}, or null. */
    KvBlock cachedBlock(BlockHash hash) {
        return cachedBlocks.get(hash);
    }

    /** One more holder for each block (prefix-cache hits); a free block leaves the free list. */
    void touch(List<KvBlock> hits) {
        for (KvBlock block : hits) {
            if (block.refCount++ == 0) {
                freeList.remove(block);
            }
        }
    }

    /** One holder fewer for each block; those nobody holds go to the tail, in the order given. */
    void free(List<KvBlock> inEvictionOrder) {
        for (KvBlock block : inEvictionOrder) {
            if (block.refCount <= 0) {
                throw new IllegalStateException("block " + block.id + " freed more often than held");
            }
            if (--block.refCount == 0) {
                freeList.append(block);
            }
        }
    }

    /** Registers a full computed block under its key, unless another block already holds that key. */
    void cache(KvBlock block, BlockHash hash) {
        if (block.hash == null && cachedBlocks.putIfAbsent(hash, block) == null) {
            block.hash = hash;
        }
    }
}
