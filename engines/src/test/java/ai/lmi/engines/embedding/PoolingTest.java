package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class PoolingTest {

    /** Two rows of a [2, 3, 2] batch; the second has one real token and two padded ones holding junk. */
    private static final float[] HIDDEN = {1, 2, 3, 4, 5, 6, 7, 8, 99, 99, 99, 99};
    private static final int[] LENGTHS = {3, 1};

    @Test
    void meanAveragesOnlyRealTokens() {
        float[][] vectors = new Pooler(Pooling.MEAN, false).pool(HIDDEN, 3, 2, LENGTHS);
        assertArrayEquals(new float[] {3, 4}, vectors[0]);
        assertArrayEquals(new float[] {7, 8}, vectors[1]);
    }

    @Test
    void clsTakesTheFirstTokenAndLastTheLastRealOne() {
        float[][] cls = new Pooler(Pooling.CLS, false).pool(HIDDEN, 3, 2, LENGTHS);
        assertArrayEquals(new float[] {1, 2}, cls[0]);
        assertArrayEquals(new float[] {7, 8}, cls[1]);
        float[][] last = new Pooler(Pooling.LAST, false).pool(HIDDEN, 3, 2, LENGTHS);
        assertArrayEquals(new float[] {5, 6}, last[0]);
        assertArrayEquals(new float[] {7, 8}, last[1]);
    }

    @Test
    void normalizeScalesToUnitLengthAndLeavesZeroAlone() {
        float[][] vectors = new Pooler(Pooling.CLS, true).pool(new float[] {3, 4, 0, 0}, 1, 2, new int[] {1, 1});
        assertArrayEquals(new float[] {0.6f, 0.8f}, vectors[0], 1e-7f);
        assertArrayEquals(new float[] {0, 0}, vectors[1]);
    }
}
