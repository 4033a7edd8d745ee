package ai.lmi.engines.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One {@code embed} call on its way through the batcher: its token rows, the vectors computed so far, its future.
 *
 * <p>After {@link DynamicBatcher#submit} only the batching thread touches it, so it needs no locks.
 */
final class EmbeddingJob {

    private final List<long[]> rows;
    private final float[][] vectors;
    private final CompletableFuture<List<Embedding>> future = new CompletableFuture<>();
    private int done;

    EmbeddingJob(List<long[]> rows) {
        this.rows = rows;
        this.vectors = new float[rows.size()][];
    }

    List<long[]> rows() {
        return rows;
    }

    CompletableFuture<List<Embedding>> future() {
        return future;
    }

    /** Records row {@code index}'s vector and completes the future once every row has one. */
    void complete(int index, float[] vector) {
        vectors[index] = vector;
        if (++done == rows.size()) {
            List<Embedding> embeddings = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                embeddings.add(new Embedding(vectors[i], rows.get(i).length));
            }
            future.complete(embeddings);
        }
    }
}
