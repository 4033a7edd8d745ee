package ai.lmi.bench;

import java.util.OptionalDouble;

/**
 * One request as the client saw it, every time from {@link System#nanoTime()}.
 *
 * @param arrivalNanos when each streamed token chunk arrived, a chunk may carry several tokens; for a response
 *     read whole (an embedding), when it arrived
 * @param outputTokens the server's count when it reported one, else the number of chunks
 * @param inputTokens the server's prompt token count when it reported one, else the generated prompt's
 * @param error null when the request completed
 */
public record RequestRecord(
        long sendNanos, long endNanos, long[] arrivalNanos, int outputTokens, int inputTokens, RequestError error) {

    private static final double NANOS_PER_MS = 1e6;

    public boolean ok() {
        return error == null;
    }

    /** Time to first token: first arrival minus send. */
    public double ttftMs() {
        return (arrivalNanos[0] - sendNanos) / NANOS_PER_MS;
    }

    /** End-to-end latency: last arrival minus send. */
    public double e2elMs() {
        return (arrivalNanos[arrivalNanos.length - 1] - sendNanos) / NANOS_PER_MS;
    }

    /** Time per output token after the first; empty for a request with one output token. */
    public OptionalDouble tpotMs() {
        if (outputTokens < 2) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((e2elMs() - ttftMs()) / (outputTokens - 1));
    }

    /** The gaps between consecutive chunk arrivals. */
    public double[] itlMs() {
        double[] gaps = new double[Math.max(0, arrivalNanos.length - 1)];
        for (int i = 0; i < gaps.length; i++) {
            gaps[i] = (arrivalNanos[i + 1] - arrivalNanos[i]) / NANOS_PER_MS;
        }
        return gaps;
    }
}
