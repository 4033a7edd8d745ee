package ai.lmi.server.scheduler;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Computes chained prefix-cache keys: SHA-256 of (parent key, adapter id, the block's token ids), cut to 128 bits.
 *
 * <p>Collision stance: a hit is trusted without comparing tokens, so a collision would silently attend over
 * another prompt's KV. A cryptographic hash makes that practically impossible, by accident (odds below 2^-64
 * with 2^32 distinct blocks) and on purpose: no client can craft a prompt whose key matches another tenant's
 * cached block. Chaining the parent key makes a block's key stand for the whole prefix, not just its own tokens.
 */
final class BlockHasher {
    private final int blockSize;
    private final MessageDigest sha256;
    /// parent key (16 bytes), adapter id (4), token ids (4 each), little-endian
    private final ByteBuffer input;

    BlockHasher(int blockSize) {
        this.blockSize = blockSize;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        this.input = ByteBuffer.allocate(16 + 4 + 4 * blockSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The key of {@code request}'s block number {@code blockIndex}, which must be full. */
    BlockHash hash(BlockHash parent, Request request, int blockIndex) {
        input.clear();
        input.putLong(parent.high()).putLong(parent.low()).putInt(request.adapterId());
        int first = blockIndex * blockSize;
        for (int position = first; position < first + blockSize; position++) {
            input.putInt(request.tokenAt(position));
        }
        ByteBuffer digest = ByteBuffer.wrap(sha256.digest(input.array()));
        return new BlockHash(digest.getLong(), digest.getLong());
    }
}
