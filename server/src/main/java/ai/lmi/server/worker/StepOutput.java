package ai.lmi.server.worker;

import java.util.List;

/**
 * What a step produced for the sequences that sampled, in batch order, as the STEP_OUTPUT message carries it.
 *
 * @param logprobs    [n] logprob of each sampled token (after penalties, before temperature)
 * @param topN        N: the largest top-N asked in this step
 * @param topIds      [n][N] row-major; -1 pads a row whose sequence asked for fewer
 * @param topLogprobs [n][N] row-major
 * @param forwardMs   the worker's time in the model's forward pass
 * @param sampleMs    the worker's time sampling
 */
public record StepOutput(long stepId, long[] seqIds, int[] tokenIds, float[] logprobs, int topN, int[] topIds,
                         float[] topLogprobs, List<PromptLogprobs> promptLogprobs, float forwardMs,
                         float sampleMs) {

    public StepOutput {
        promptLogprobs = List.copyOf(promptLogprobs);
    }

    /** Sequences that sampled (n). */
    public int size() {
        return seqIds.length;
    }

    /** The id ranked {@code rank} for the {@code row}-th sampled sequence. */
    public int topId(int row, int rank) {
        return topIds[row * topN + rank];
    }

    /** The logprob ranked {@code rank} for the {@code row}-th sampled sequence. */
    public float topLogprob(int row, int rank) {
        return topLogprobs[row * topN + rank];
    }
}
