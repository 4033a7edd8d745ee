package ai.lmi.server.scheduler;

import ai.lmi.server.worker.SamplingParams;
import java.util.List;
import java.util.Objects;

/**
 * How a request samples — handed to the worker as it is — and when the scheduler stops it.
 *
 * @param sampling     the worker's sampling parameters for this sequence
 * @param maxNewTokens at most this many tokens are generated
 * @param ignoreEos    keep generating past end-of-sequence tokens
 * @param stopTokenIds sampling any of these ends the request with {@link FinishReason#STOP_SEQUENCE}
 */
public record RequestParams(SamplingParams sampling, int maxNewTokens, boolean ignoreEos, List<Integer> stopTokenIds) {

    public RequestParams {
        Objects.requireNonNull(sampling, "sampling");
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        Objects.requireNonNull(stopTokenIds, "stopTokenIds");
        for (Integer id : stopTokenIds) {
            if (id == null || id < 0) {
                throw new IllegalArgumentException("stopTokenIds must be non-negative token ids, got " + stopTokenIds);
            }
        }
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens, everything else off. */
    public static RequestParams greedy(int maxNewTokens) {
        return new RequestParams(SamplingParams.greedy(), maxNewTokens, false, List.of());
    }

    public RequestParams withIgnoreEos(boolean value) {
        return new RequestParams(sampling, maxNewTokens, value, stopTokenIds);
    }

    public RequestParams withStopTokenIds(List<Integer> value) {
        return new RequestParams(sampling, maxNewTokens, ignoreEos, value);
    }
}
