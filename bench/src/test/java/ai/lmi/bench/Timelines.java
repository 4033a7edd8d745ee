package ai.lmi.bench;

/** Request records built from timelines in milliseconds, for the statistics tests. */
final class Timelines {

    private static final long NANOS_PER_MS = 1_000_000;

    private Timelines() {}

    /** A completed request sent at {@code sendMs} whose token chunks arrived at {@code arrivalsMs}. */
    static RequestRecord completed(double sendMs, int inputTokens, int outputTokens, double... arrivalsMs) {
        long[] arrivals = new long[arrivalsMs.length];
        for (int i = 0; i < arrivals.length; i++) {
            arrivals[i] = nanos(arrivalsMs[i]);
        }
        return new RequestRecord(nanos(sendMs), arrivals[arrivals.length - 1], arrivals, outputTokens, inputTokens,
                null);
    }

    static RequestRecord failed(double sendMs, double endMs, RequestError error) {
        return new RequestRecord(nanos(sendMs), nanos(endMs), new long[0], 0, 16, error);
    }

    private static long nanos(double ms) {
        return Math.round(ms * NANOS_PER_MS);
    }
}
