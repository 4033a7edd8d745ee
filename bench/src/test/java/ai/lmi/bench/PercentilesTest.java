package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Expected values are numpy.percentile's (linear interpolation) and numpy.mean's. */
class PercentilesTest {

    private static final double EPSILON = 1e-9;

    @Test
    void interpolatesBetweenClosestRanksLikeNumpy() {
        assertDistribution(Distribution.of(new double[] {1, 2, 3, 4}), 2.5, 2.5, 3.7, 3.97);
        assertDistribution(Distribution.of(new double[] {15, 20, 35, 40, 50}), 32, 35, 46, 49.6);
    }

    @Test
    void sortsItsInput() {
        assertDistribution(Distribution.of(new double[] {3.2, 1.5, 9.9, 4.4, 4.4, 0.1, 12.5}),
                5.142857142857143, 4.4, 10.94, 12.344);
    }

    @Test
    void oneValueIsEveryPercentile() {
        assertDistribution(Distribution.of(new double[] {7}), 7, 7, 7, 7);
    }

    @Test
    void noValuesNoDistribution() {
        assertNull(Distribution.of(new double[0]));
    }

    @Test
    void extremesAreMinimumAndMaximum() {
        double[] sorted = {1, 5, 9};
        assertEquals(1, Percentiles.of(sorted, 0), EPSILON);
        assertEquals(9, Percentiles.of(sorted, 100), EPSILON);
    }

    private static void assertDistribution(Distribution d, double mean, double p50, double p90, double p99) {
        assertEquals(mean, d.mean(), EPSILON, "mean");
        assertEquals(p50, d.p50(), EPSILON, "p50");
        assertEquals(p90, d.p90(), EPSILON, "p90");
        assertEquals(p99, d.p99(), EPSILON, "p99");
    }
}
