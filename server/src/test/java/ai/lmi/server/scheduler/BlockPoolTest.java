package ai.lmi.server.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BlockPoolTest {
    private static final BlockHash KEY = new BlockHash(1, 2);

    private final BlockPool pool = new BlockPool(12);

    @Test
    void allocatesFromTheHeadAndFreesToTheTailInTheOrderGiven() {
        assertArrayEquals(Prompts.range(0, 12), pool.freeBlockIds());
        List<KvBlock> blocks = pool.allocate(3);
        assertEquals(List.of(0, 1, 2), blocks.stream().map(block -> block.id).toList());
        assertArrayEquals(Prompts.range(3, 9), pool.freeBlockIds());

        pool.free(List.of(blocks.get(2), blocks.get(1), blocks.get(0)));
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 1, 0}, pool.freeBlockIds());
        assertEquals(12, pool.numFreeBlocks());
    }

    @Test
    void touchTakesAFreeBlockOutOfTheMiddleAndFreeingReturnsItToTheTail() {
        List<KvBlock> blocks = pool.allocate(3);
        pool.free(List.of(blocks.get(2), blocks.get(1), blocks.get(0)));

        pool.touch(List.of(pool.block(1)));
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 0}, pool.freeBlockIds());
        pool.touch(List.of(pool.block(1)));
        assertEquals(2, pool.block(1).refCount);

        pool.free(List.of(pool.block(1)));
        assertEquals(11, pool.numFreeBlocks());
        pool.free(List.of(pool.block(1)));
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 0, 1}, pool.freeBlockIds());
    }

    @Test
    void aFreedBlockKeepsItsHashUntilItIsReused() {
        KvBlock block = pool.allocate(1).get(0);
        pool.cache(block, KEY);
        pool.free(List.of(block));
        assertSame(block, pool.cachedBlock(KEY));

        pool.allocate(11);
        assertSame(block, pool.cachedBlock(KEY), "block 0 is the last one free: still cached");
        assertSame(block, pool.allocate(1).get(0));
        assertNull(pool.cachedBlock(KEY));
        assertNull(block.hash);
    }

    @Test
    void theFirstBlockCachedUnderAKeyKeepsIt() {
        List<KvBlock> blocks = pool.allocate(2);
        pool.cache(blocks.get(0), KEY);
        pool.cache(blocks.get(1), KEY);
        assertSame(blocks.get(0), pool.cachedBlock(KEY));
        assertNull(blocks.get(1).hash);
    }

    @Test
    void refusesToOverAllocateOrOverFree() {
        assertThrows(IllegalStateException.class, () -> pool.allocate(13));
        KvBlock block = pool.allocate(1).get(0);
        pool.free(List.of(block));
        assertThrows(IllegalStateException.class, () -> pool.free(List.of(block)));
    }
}
