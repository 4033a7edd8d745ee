package ai.lmi.server.scheduler;

import java.util.ArrayList;
import java.util.List;

/** The KV blocks one sequence holds, in position order, and the keys of those already full and computed. */
final class SequenceBlocks {
    /// block i holds positions i*blockSize .. (i+1)*blockSize-1
    final List<KvBlock> blocks = new ArrayList<>();
    /// keys of blocks 0..hashes.size()-1; the last one is the parent of the next block's key
    final List<BlockHash> hashes = new ArrayList<>();

    int[] blockIds() {
        int[] ids = new int[blocks.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = blocks.get(i).id;
        }
        return ids;
    }
}
