package ai.lmi.server.worker;

/**
 * Logprobs of one sequence's prompt tokens at positions startPos .. startPos + count - 1; position 0 has none
 * (NaN). Top-N arrays are row-major [count][topN].
 */
public record PromptLogprobs(long seqId, int startPos, float[] logprobs, int topN, int[] topIds,
                             float[] topLogprobs) {

    /** Prompt tokens covered. */
    public int count() {
        return logprobs.length;
    }

    /** The id ranked {@code rank} at the {@code row}-th position. */
    public int topId(int row, int rank) {
        return topIds[row * topN + rank];
    }

    /** The logprob ranked {@code rank} at the {@code row}-th position. */
    public float topLogprob(int row, int rank) {
        return topLogprobs[row * topN + rank];
    }
}
