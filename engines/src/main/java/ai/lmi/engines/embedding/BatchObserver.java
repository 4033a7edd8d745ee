package ai.lmi.engines.embedding;

/** Receives each batch the dynamic batcher ran; called on the batching thread, so it must be quick. */
public interface BatchObserver {

    /** Ignores every batch. */
    BatchObserver NONE = (inputs, paddedTokens, seconds) -> {};

    /**
     * @param inputs the inputs in the batch
     * @param paddedTokens the token positions the model computed: inputs × longest for a padded batch,
     *     the sum of the lengths when the engine runs each input on its own
     * @param seconds how long the model took for the batch
     */
    void batchRan(int inputs, int paddedTokens, double seconds);
}
