package ai.lmi.server.scheduler;

/**
 * The prefix-cache key of one full KV block: 128 bits that stand for the block's tokens and everything before them.
 *
 * @param high the first 64 bits
 * @param low  the next 64 bits
 */
public record BlockHash(long high, long low) {
    /// the parent of a sequence's first block
    static final BlockHash ROOT = new BlockHash(0, 0);
}
