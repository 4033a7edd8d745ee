package ai.lmi.bench;

import java.util.Random;

/** Token ids drawn uniformly from [3, vocabSize): ids 0 to 2 are usually unk, BOS and EOS. */
final class RandomTokens {

    static final int FIRST_ID = 3;

    private final int vocabSize;
    private final Random random;

    RandomTokens(int vocabSize, long seed) {
        if (vocabSize <= FIRST_ID) {
            throw new IllegalArgumentException("vocabulary size must be > " + FIRST_ID + ", got " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.random = new Random(seed);
    }

    int[] next(int count) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = FIRST_ID + random.nextInt(vocabSize - FIRST_ID);
        }
        return ids;
    }
}
