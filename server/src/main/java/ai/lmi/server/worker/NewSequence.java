package ai.lmi.server.worker;

import java.util.Objects;

/**
 * First sight of a sequence in a step, or its recompute after preemption.
 *
 * @param promptLen tokens before this position are prompt, after it output
 * @param prefixIds tokens at positions 0 .. start_pos-1 that this worker did not compute (prefix-cache hits),
 *                  so that penalties see the whole history; not copied
 */
public record NewSequence(long seqId, int promptLen, SamplingParams params, int[] prefixIds) {

    private static final int[] NONE = new int[0];

    public NewSequence {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(prefixIds, "prefixIds");
        if (promptLen < 0) {
            throw new IllegalArgumentException("promptLen " + promptLen + " must be >= 0");
        }
    }

    /** A new sequence whose every token this step (and later ones) computes. */
    public NewSequence(long seqId, int promptLen, SamplingParams params) {
        this(seqId, promptLen, params, NONE);
    }
}
