package ai.lmi.bench;

import java.util.Arrays;

/**
 * Collects one request's token arrivals and outcome while its response arrives. The HTTP client delivers lines
 * one at a time, but a timeout arrives from the timer thread, hence the locks. The first error wins.
 */
final class StreamRecorder {

    private final long sendNanos;
    private final int promptTokens;
    private final String endMarker;
    private long[] arrivals = new long[32];
    private int arrivalCount;
    private int reportedPromptTokens = -1;
    private int reportedOutputTokens = -1;
    private boolean ended;
    private RequestError error;

    StreamRecorder(long sendNanos, int promptTokens, String endMarker) {
        this.sendNanos = sendNanos;
        this.promptTokens = promptTokens;
        this.endMarker = endMarker;
    }

    /** A chunk with at least one token arrived; for a response read whole, the response did. */
    synchronized void token(long arrivalNanos) {
        if (arrivalCount == arrivals.length) {
            arrivals = Arrays.copyOf(arrivals, arrivalCount * 2);
        }
        arrivals[arrivalCount++] = arrivalNanos;
    }

    /** The server's own token counts; -1 for one it did not report. */
    synchronized void usage(int promptTokens, int outputTokens) {
        if (promptTokens >= 0) {
            reportedPromptTokens = promptTokens;
        }
        if (outputTokens >= 0) {
            reportedOutputTokens = outputTokens;
        }
    }

    /** The stream's end marker arrived. */
    synchronized void end() {
        ended = true;
    }

    synchronized void fail(RequestError failure) {
        if (error == null) {
            error = failure;
        }
    }

    /** The request as it stands when its exchange is over; a stream without tokens or end marker failed. */
    synchronized RequestRecord finish(long endNanos) {
        if (!ended) {
            fail(new RequestError(RequestError.TRUNCATED_STREAM, "the stream ended before " + endMarker));
        }
        if (arrivalCount == 0) {
            fail(new RequestError(RequestError.NO_TOKENS, "the response carried no token"));
        }
        return new RequestRecord(sendNanos, endNanos, Arrays.copyOf(arrivals, arrivalCount),
                reportedOutputTokens >= 0 ? reportedOutputTokens : arrivalCount,
                reportedPromptTokens >= 0 ? reportedPromptTokens : promptTokens, error);
    }
}
