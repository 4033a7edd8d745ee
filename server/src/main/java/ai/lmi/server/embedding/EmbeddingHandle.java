package ai.lmi.server.embedding;

/** An embedding in flight; cancel it when its request timed out. */
public interface EmbeddingHandle {

    /**
     * Withdraws the inputs the batcher has not run yet; the answer then runs with a
     * {@link java.util.concurrent.CancellationException}.
     *
     * @return false if the embeddings were done already: their answer runs as if not cancelled
     */
    boolean cancel();
}
