package ai.lmi.server.scheduler;

import ai.lmi.server.config.Batching;
import java.util.List;
import java.util.Objects;

/**
 * The scheduler's limits and policies, and the model facts its stop conditions need.
 *
 * @param maxNumSeqs           at most this many requests run at once ({@code option.max_rolling_batch_size})
 * @param maxNumBatchedTokens  the token budget of one step ({@code option.max_num_batched_tokens})
 * @param maxModelLen          a sequence stops with LENGTH when prompt plus output reach this many tokens
 * @param eosTokenIds          the model's end-of-sequence tokens
 * @param enableChunkedPrefill whether a prompt may be split over steps ({@code option.enable_chunked_prefill})
 * @param batching             continuous, or static as a benchmark baseline ({@code option.batching})
 * @param maxLoras             at most this many distinct LoRA adapters run at once, the worker's adapter slots
 *                             ({@code option.max_loras}); 0 when the model serves no adapters
 * @param speculativeLength    draft tokens a decoding sequence may gain per step (n-gram prompt lookup in the
 *                             worker); 0: no speculation
 */
public record SchedulerConfig(
        int maxNumSeqs,
        int maxNumBatchedTokens,
        int maxModelLen,
        List<Integer> eosTokenIds,
        boolean enableChunkedPrefill,
        Batching batching,
        int maxLoras,
        int speculativeLength) {

    public SchedulerConfig {
        if (maxNumSeqs < 1) {
            throw new IllegalArgumentException("maxNumSeqs must be >= 1, got " + maxNumSeqs);
        }
        // Every running request must get at least its one decode token in every step.
        if (maxNumBatchedTokens < maxNumSeqs) {
            throw new IllegalArgumentException("maxNumBatchedTokens must be >= maxNumSeqs (" + maxNumSeqs
                    + "), got " + maxNumBatchedTokens);
        }
        if (maxModelLen < 1) {
            throw new IllegalArgumentException("maxModelLen must be >= 1, got " + maxModelLen);
        }
        // Unsplit, a prompt longer than the budget could never be scheduled. The message names the keys: the
        // model's length may come from the worker, so this is where a user's configuration first meets it.
        if (!enableChunkedPrefill && maxNumBatchedTokens < maxModelLen) {
            throw new IllegalArgumentException("option.enable_chunked_prefill=false needs "
                    + "option.max_num_batched_tokens (" + maxNumBatchedTokens + ") >= option.max_model_len ("
                    + maxModelLen + "), or a long prompt could never run: raise option.max_num_batched_tokens, "
                    + "lower option.max_model_len or enable chunked prefill");
        }
        eosTokenIds = List.copyOf(eosTokenIds);
        Objects.requireNonNull(batching, "batching");
        if (maxLoras < 0) {
            throw new IllegalArgumentException("maxLoras must be >= 0, got " + maxLoras);
        }
        if (speculativeLength < 0) {
            throw new IllegalArgumentException("speculativeLength must be >= 0, got " + speculativeLength);
        }
    }

    /** Limits for a model that serves no LoRA adapters, without speculation. */
    public SchedulerConfig(int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, List<Integer> eosTokenIds,
            boolean enableChunkedPrefill, Batching batching) {
        this(maxNumSeqs, maxNumBatchedTokens, maxModelLen, eosTokenIds, enableChunkedPrefill, batching, 0, 0);
    }
}
