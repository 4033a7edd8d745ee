package ai.lmi.bench;

import java.util.Random;

/** The gaps between the arrivals of a Poisson process: exponentially distributed, seeded. */
final class PoissonArrivals {

    private static final double NANOS_PER_SECOND = 1e9;

    private final double meanGapNanos;
    private final Random random;

    PoissonArrivals(double requestsPerSecond, long seed) {
        this.meanGapNanos = NANOS_PER_SECOND / requestsPerSecond;
        this.random = new Random(seed);
    }

    /** Nanoseconds from the previous arrival to the next one. */
    long nextGapNanos() {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        return Math.round(-Math.log(1 - random.nextDouble()) * meanGapNanos);
    }
}
