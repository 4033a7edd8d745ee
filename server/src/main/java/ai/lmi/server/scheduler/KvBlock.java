package ai.lmi.server.scheduler;

/** One block of the paged KV cache as the pool tracks it; its links belong to {@link FreeBlockQueue}. */
final class KvBlock {
    final int id;
    /// sequences holding this block; 0 means it sits in the free list
    int refCount;
    /// its prefix-cache key while it holds a full computed block; kept after freeing until the block is reused
    BlockHash hash;
    KvBlock previousFree;
    KvBlock nextFree;

    KvBlock(int id) {
        this.id = id;
    }

    @Override
    public String toString() {
        return "KvBlock[" + id + ", refs=" + refCount + (hash == null ? "" : ", cached") + "]";
    }
}
