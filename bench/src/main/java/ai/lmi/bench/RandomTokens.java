package ai.lmi.bench;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * Token ids drawn uniformly from a pool: by default [3, vocabSize), since ids 0 to 2 are usually unk, BOS and
 * EOS.
 */
final class RandomTokens {

    static final int FIRST_ID = 3;

    private final int[] pool;
    private final Random random;

    RandomTokens(int vocabSize, long seed) {
        this(range(vocabSize), seed);
    }

    /** Draws from {@code pool}, which must not be empty. */
    RandomTokens(int[] pool, long seed) {
        if (pool.length == 0) {
            throw new IllegalArgumentException("no token ids to draw from");
        }
        this.pool = pool;
        this.random = new Random(seed);
    }

    int[] next(int count) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = pool[random.nextInt(pool.length)];
        }
        return ids;
    }

    private static int[] range(int vocabSize) {
        if (vocabSize <= FIRST_ID) {
            throw new IllegalArgumentException("vocabulary size must be > " + FIRST_ID + ", got " + vocabSize);
        }
        return IntStream.range(FIRST_ID, vocabSize).toArray();
    }
}
