package ai.lmi.bench;

/** How requests are offered during one run: a closed loop at a fixed concurrency or an open Poisson stream. */
public sealed interface LoadPattern {

    /** Requests in flight at most; {@link Integer#MAX_VALUE} for no cap. */
    int maxInFlight();

    /** A short name for progress lines and reports, such as {@code c=16} or {@code rate=4}. */
    String name();

    /** {@code concurrency} requests always in flight: each completion sends the next request. */
    record ClosedLoop(int concurrency) implements LoadPattern {
        public ClosedLoop {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            }
        }

        @Override
        public int maxInFlight() {
            return concurrency;
        }

        @Override
        public String name() {
            return "c=" + concurrency;
        }
    }

    /**
     * Requests arrive at {@code requestRate} per second with exponential gaps, whatever is in flight.
     *
     * @param maxConcurrency 0 for no cap; otherwise an arrival waits while that many are in flight
     */
    record OpenLoop(double requestRate, int maxConcurrency) implements LoadPattern {
        public OpenLoop {
            if (!(requestRate > 0) || Double.isInfinite(requestRate)) {
                throw new IllegalArgumentException("request rate must be a positive number, got " + requestRate);
            }
            if (maxConcurrency < 0) {
                throw new IllegalArgumentException("max concurrency must be >= 0, got " + maxConcurrency);
            }
        }

        @Override
        public int maxInFlight() {
            return maxConcurrency == 0 ? Integer.MAX_VALUE : maxConcurrency;
        }

        @Override
        public String name() {
            String rate = "rate=" + Numbers.compact(requestRate);
            return maxConcurrency == 0 ? rate : rate + ",max-c=" + maxConcurrency;
        }
    }
}
