package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PoissonArrivalsTest {

    private static final int GAPS = 10_000;

    @Test
    void gapsAverageTheInverseRateAndVaryLikeAnExponential() {
        PoissonArrivals arrivals = new PoissonArrivals(4.0, 7);
        double sum = 0;
        double sumOfSquares = 0;
        for (int i = 0; i < GAPS; i++) {
            double gapS = arrivals.nextGapNanos() / 1e9;
            assertTrue(gapS >= 0);
            sum += gapS;
            sumOfSquares += gapS * gapS;
        }
        double mean = sum / GAPS;
        double deviation = Math.sqrt(sumOfSquares / GAPS - mean * mean);
        // The mean of 10,000 exponential gaps has a standard error of 1 % of the mean; allow 4 %.
        assertEquals(0.25, mean, 0.01);
        // An exponential's standard deviation equals its mean; a constant gap would have none.
        assertEquals(0.25, deviation, 0.02);
    }

    @Test
    void aSeedGivesTheSameGaps() {
        PoissonArrivals first = new PoissonArrivals(10, 42);
        PoissonArrivals second = new PoissonArrivals(10, 42);
        for (int i = 0; i < 100; i++) {
            assertEquals(first.nextGapNanos(), second.nextGapNanos());
        }
    }
}
