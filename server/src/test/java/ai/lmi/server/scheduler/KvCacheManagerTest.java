package ai.lmi.server.scheduler;

import static ai.lmi.server.scheduler.Prompts.concat;
import static ai.lmi.server.scheduler.Prompts.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.SamplingParams;
import org.junit.jupiter.api.Test;

/** A real manager over 12 blocks of 16 tokens; exact block ids and free-list order, as vLLM's tests do. */
class KvCacheManagerTest {
    private final BlockPool pool = new BlockPool(12);
    private final KvCacheManager kvCache = new KvCacheManager(pool, 16, true);
    private long nextId = 1;

    private Request request(int[] prompt) {
        return new Request(nextId++, prompt, SamplingParams.greedy(8));
    }

    /** Admits {@code request} with its cached prefix and computes all its tokens, as one prefill step would. */
    private CachedPrefix admitAndCompute(Request request) {
        CachedPrefix prefix = kvCache.findCachedPrefix(request);
        kvCache.allocateSlots(request, request.numTokens() - prefix.numTokens(), prefix).orElseThrow();
        request.startRunning(prefix.numTokens());
        request.setNumComputedTokens(request.numTokens());
        kvCache.cacheComputedBlocks(request);
        return prefix;
    }

    @Test
    void aSecondRequestSharesTheFullBlocksOfACommonPrefixButNotThePartialOne() {
        Request first = request(range(0, 40));
        assertEquals(0, admitAndCompute(first).numTokens());
        assertArrayEquals(new int[] {0, 1, 2}, kvCache.blockTable(first.id()));

        Request second = request(concat(range(0, 32), range(1000, 10)));
        CachedPrefix prefix = kvCache.findCachedPrefix(second);
        assertArrayEquals(new int[] {0, 1}, prefix.blockIds());
        assertEquals(32, prefix.numTokens());
        assertArrayEquals(new int[] {3}, kvCache.allocateSlots(second, 10, prefix).orElseThrow());
        assertArrayEquals(new int[] {0, 1, 3}, kvCache.blockTable(second.id()));
        assertEquals(32, kvCache.prefixHitTokens());
        assertEquals(4, kvCache.usedBlocks());
        assertEquals(2, pool.block(0).refCount);

        Request samePrompt = request(range(0, 40));
        assertArrayEquals(new int[] {0, 1}, kvCache.findCachedPrefix(samePrompt).blockIds(),
                "block 2 holds 8 tokens: not full, not shared");
    }

    @Test
    void theLastPromptTokenIsAlwaysComputed() {
        admitAndCompute(request(range(0, 48)));
        Request twoBlocksExactly = request(range(0, 32));
        assertArrayEquals(new int[] {0}, kvCache.findCachedPrefix(twoBlocksExactly).blockIds());
    }

    @Test
    void freedBlocksAreReusedTailBlockFirstAndKeepTheirHashesUntilThen() {
        Request first = request(range(0, 48));
        admitAndCompute(first);
        kvCache.free(first);
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 1, 0}, pool.freeBlockIds());
        assertEquals(0, kvCache.usedBlocks(), "cached blocks nobody holds count as free");
        assertNotNull(pool.block(2).hash);

        Request filler = request(range(500, 144));
        admitAndCompute(filler);
        assertArrayEquals(range(3, 9), kvCache.blockTable(filler.id()));
        assertArrayEquals(new int[] {2, 1, 0}, pool.freeBlockIds());

        Request small = request(range(900, 10));
        admitAndCompute(small);
        assertArrayEquals(new int[] {2}, kvCache.blockTable(small.id()), "the first request's tail block goes first");
        assertNull(pool.block(2).hash, "reuse drops the hash");
        assertArrayEquals(new int[] {1, 0}, pool.freeBlockIds());

        Request again = request(range(0, 49));
        assertArrayEquals(new int[] {0, 1}, kvCache.findCachedPrefix(again).blockIds());
    }

    @Test
    void cachedBlocksInTheFreeListAreNotCountedTwice() {
        Request first = request(range(0, 48));
        admitAndCompute(first);
        kvCache.free(first);
        Request filler = request(range(500, 144));
        admitAndCompute(filler);

        Request again = request(range(0, 64));
        CachedPrefix prefix = kvCache.findCachedPrefix(again);
        assertArrayEquals(new int[] {0, 1, 2}, prefix.blockIds());
        assertTrue(kvCache.allocateSlots(again, 16, prefix).isEmpty(),
                "three free blocks, all of them the hits: none left for the fourth block");
        assertArrayEquals(new int[] {2, 1, 0}, pool.freeBlockIds(), "a failed allocation changes nothing");
        assertEquals(0, kvCache.prefixHitTokens());
        assertArrayEquals(new int[0], kvCache.blockTable(again.id()));

        kvCache.free(filler);
        prefix = kvCache.findCachedPrefix(again);
        assertArrayEquals(new int[] {11}, kvCache.allocateSlots(again, 16, prefix).orElseThrow());
        assertArrayEquals(new int[] {0, 1, 2, 11}, kvCache.blockTable(again.id()));
        assertArrayEquals(new int[] {10, 9, 8, 7, 6, 5, 4, 3}, pool.freeBlockIds());
        assertEquals(48, kvCache.prefixHitTokens());
    }

    @Test
    void blockKeysChainTheirParentAndTheAdapter() {
        int[] shared = range(100, 16);
        Request first = request(concat(range(0, 16), shared, new int[] {7}));
        admitAndCompute(first);
        Request otherParent = request(concat(range(200, 16), shared, new int[] {7}));
        assertEquals(0, kvCache.findCachedPrefix(otherParent).numTokens());
        admitAndCompute(otherParent);
        assertArrayEquals(new int[] {3, 4, 5}, kvCache.blockTable(otherParent.id()));
        assertNotNull(pool.block(4).hash, "same tokens, other parent: a key of its own");
        assertNotEquals(pool.block(1).hash, pool.block(4).hash);

        Request otherAdapter = new Request(nextId++, first.promptTokenIds(), SamplingParams.greedy(8), 7);
        assertEquals(0, kvCache.findCachedPrefix(otherAdapter).numTokens());
        assertArrayEquals(new int[] {0, 1}, kvCache.findCachedPrefix(request(first.promptTokenIds())).blockIds());
    }

    @Test
    void onlyComputedFullBlocksAreCached() {
        Request first = request(range(0, 40));
        kvCache.allocateSlots(first, 20).orElseThrow();
        first.startRunning(0);
        first.setNumComputedTokens(20);
        kvCache.cacheComputedBlocks(first);
        assertNotNull(pool.block(0).hash);
        assertNull(pool.block(1).hash, "block 1 has 4 of 16 tokens computed");
    }

    @Test
    void withoutPrefixCachingNothingIsSharedOrHashed() {
        KvCacheManager plain = new KvCacheManager(pool, 16, false);
        Request first = request(range(0, 40));
        plain.allocateSlots(first, 40).orElseThrow();
        first.startRunning(0);
        first.setNumComputedTokens(40);
        plain.cacheComputedBlocks(first);
        assertNull(pool.block(0).hash);
        assertEquals(CachedPrefix.NONE, plain.findCachedPrefix(request(range(0, 40))));
    }
}
