package ai.lmi.server.scheduler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The block table of every live sequence, over a {@link BlockPool}: allocates the slots each step needs, finds
 * and registers cached prefixes, and frees a sequence's blocks when it finishes or is preempted.
 *
 * <p>Running out of blocks is a return value ({@link Optional#empty()}), not an exception: the scheduler
 * answers it by preempting.
 */
public final class KvCacheManager {
    private final BlockPool pool;
    private final int blockSize;
    private final boolean prefixCaching;
    private final BlockHasher hasher;
    /// by request id
    private final Map<Long, SequenceBlocks> sequences = new HashMap<>();
    private long prefixHitTokens;

    /**
     * @param pool                the blocks to manage
     * @param blockSize           tokens per block
     * @param enablePrefixCaching whether full blocks are shared between requests with the same prefix
     */
    public KvCacheManager(BlockPool pool, int blockSize, boolean enablePrefixCaching) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
        }
        this.pool = pool;
        this.blockSize = blockSize;
        this.prefixCaching = enablePrefixCaching;
        this.hasher = new BlockHasher(blockSize);
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return pool.totalBlocks();
    }

    /** Blocks held by live sequences; cached blocks that nobody holds count as free. */
    public int usedBlocks() {
        return pool.totalBlocks() - pool.numFreeBlocks();
    }

    /** Prompt tokens admitted requests did not compute thanks to the prefix cache, since start. */
    public long prefixHitTokens() {
        return prefixHitTokens;
    }

    /** The block ids of a live sequence, in position order; empty for one that holds none. */
    public int[] blockTable(long requestId) {
        SequenceBlocks sequence = sequences.get(requestId);
        return sequence == null ? new int[0] : sequence.blockIds();
    }

    /**
     * The longest run of cached blocks at the start of {@code request}'s tokens. It stops short of the last
     * token, which must be computed so that there are logits to sample from.
     */
    public CachedPrefix findCachedPrefix(Request request) {
        if (!prefixCaching) {
            return CachedPrefix.NONE;
        }
        int maxBlocks = (request.numTokens() - 1) / blockSize;
        List<Integer> hits = new ArrayList<>();
        BlockHash parent = BlockHash.ROOT;
        for (int i = 0; i < maxBlocks; i++) {
            BlockHash hash = hasher.hash(parent, request, i);
            KvBlock block = pool.cachedBlock(hash);
            if (block == null) {
                break;
            }
            hits.add(block.id);
            parent = hash;
        }
        return new CachedPrefix(hits.stream().mapToInt(Integer::intValue).toArray(), hits.size() * blockSize);
    }

    /** {@link #allocateSlots(Request, int, CachedPrefix)} without a cached prefix. */
    public Optional<int[]> allocateSlots(Request request, int numNewTokens) {
        return allocateSlots(request, numNewTokens, CachedPrefix.NONE);
    }

    /**
     * Makes room for {@code numNewTokens} more tokens after those already computed. A sequence that holds no
     * blocks yet starts with {@code prefix} (just found by {@link #findCachedPrefix}) and computes after it.
     *
     * @return the newly allocated block ids, or empty when the free blocks do not suffice (nothing changed)
     */
    public Optional<int[]> allocateSlots(Request request, int numNewTokens, CachedPrefix prefix) {
        SequenceBlocks sequence = sequences.get(request.id());
        if (sequence != null && prefix.numTokens() > 0) {
            throw new IllegalArgumentException("request " + request.id() + " already holds blocks: no prefix");
        }
        List<KvBlock> hits = new ArrayList<>(prefix.blockIds().length);
        for (int id : prefix.blockIds()) {
            hits.add(pool.block(id));
        }
        int computed = sequence == null ? prefix.numTokens() : request.numComputedTokens();
        int held = sequence == null ? hits.size() : sequence.blocks.size();
        int needed = Math.max(0, (computed + numNewTokens + blockSize - 1) / blockSize - held);
        // A hit sitting in the free list stops being free once touched, so it cannot be allocated as well.
        int revived = (int) hits.stream().filter(block -> block.refCount == 0).count();
        if (needed > pool.numFreeBlocks() - revived) {
            return Optional.empty();
        }
        if (sequence == null) {
            sequence = new SequenceBlocks();
            sequences.put(request.id(), sequence);
            pool.touch(hits);
            for (KvBlock hit : hits) {
                sequence.blocks.add(hit);
                sequence.hashes.add(hit.hash);
            }
            prefixHitTokens += prefix.numTokens();
        }
        List<KvBlock> allocated = pool.allocate(needed);
        sequence.blocks.addAll(allocated);
        return Optional.of(allocated.stream().mapToInt(block -> block.id).toArray());
    }

    /**
     * Returns the blocks of {@code request} that none of its tokens reaches to the pool, last first: slots a step
     * reserved for drafts that were rejected. None of them was registered, as only full computed blocks are, and
     * the next step's reservation allocates afresh what it needs.
     */
    public void freeBlocksPastTokens(Request request) {
        SequenceBlocks sequence = sequences.get(request.id());
        if (sequence == null) {
            return;
        }
        int keep = (request.numTokens() + blockSize - 1) / blockSize;
        List<KvBlock> unused = new ArrayList<>();
        while (sequence.blocks.size() > keep) {
            unused.add(sequence.blocks.remove(sequence.blocks.size() - 1));
        }
        pool.free(unused);
    }

    /** Registers the blocks of {@code request} that became full and computed, so that others can share them. */
    public void cacheComputedBlocks(Request request) {
        SequenceBlocks sequence = sequences.get(request.id());
        if (!prefixCaching || sequence == null) {
            return;
        }
        int fullBlocks = request.numComputedTokens() / blockSize;
        for (int i = sequence.hashes.size(); i < fullBlocks; i++) {
            BlockHash parent = i == 0 ? BlockHash.ROOT : sequence.hashes.get(i - 1);
            BlockHash hash = hasher.hash(parent, request, i);
            pool.cache(sequence.blocks.get(i), hash);
            sequence.hashes.add(hash);
        }
    }

    /** Returns every block of {@code request} to the pool, last block first, so that its tail is evicted first. */
    public void free(Request request) {
        SequenceBlocks sequence = sequences.remove(request.id());
        if (sequence != null) {
            List<KvBlock> reversed = new ArrayList<>(sequence.blocks);
            Collections.reverse(reversed);
            pool.free(reversed);
        }
    }
}
