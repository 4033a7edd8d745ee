package ai.lmi.server.scheduler;

import java.util.List;

/**
 * The scheduler's limits and the model facts its stop conditions need.
 *
 * @param maxNumSeqs          at most this many requests run at once ({@code option.max_rolling_batch_size})
 * @param maxNumBatchedTokens the token budget of one step ({@code option.max_num_batched_tokens})
 * @param maxModelLen         a sequence stops with LENGTH when prompt plus output reach this many tokens
 * @param eosTokenIds         the model's end-of-sequence tokens
 */
public record SchedulerConfig(int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, List<Integer> eosTokenIds) {

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
        eosTokenIds = List.copyOf(eosTokenIds);
    }
}
