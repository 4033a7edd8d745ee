package ai.lmi.server.core;

import java.util.Objects;

/**
 * What a worker needs to know of a sequence it sees for the first time, or again after a preemption or on a new
 * worker. A recompute repeats positions whose prompt logprobs were already reported; the caller drops those.
 *
 * @param seqId     the request's id
 * @param promptLen tokens before this position are prompt, the rest output (penalties tell them apart)
 * @param params    how to sample it
 * @param prefixIds the tokens at positions 0..start-1 that a prefix-cache hit spared the worker from computing,
 *                  so that penalties and seeds see the whole history; not copied
 * @param adapterId the LoRA adapter it runs with, {@link #NO_ADAPTER} for the base model alone
 */
public record NewSequence(long seqId, int promptLen, SamplingParams params, int[] prefixIds, int adapterId) {

    /** The adapter id of sequences served by the base model alone. */
    public static final int NO_ADAPTER = 0;
    private static final int[] NONE = new int[0];

    public NewSequence {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(prefixIds, "prefixIds");
        if (promptLen < 0) {
            throw new IllegalArgumentException("promptLen " + promptLen + " must be >= 0");
        }
        if (adapterId < 0) {
            throw new IllegalArgumentException("adapterId " + adapterId + " must be >= 0");
        }
    }

    /** A new base-model sequence whose every token this step (and later ones) computes. */
    public NewSequence(long seqId, int promptLen, SamplingParams params) {
        this(seqId, promptLen, params, NONE, NO_ADAPTER);
    }
}
