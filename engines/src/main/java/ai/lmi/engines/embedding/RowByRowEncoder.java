package ai.lmi.engines.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs each row of a batch as its own unpadded forward pass, several at a time, for models whose output for a row
 * would otherwise depend on the rest of the batch (see {@link DynamicQuantization}).
 *
 * <p>Each pass runs single-threaded and the passes run side by side, one per core: on 2 cores that beat both one
 * padded pass and the rows one after another with ONNX Runtime's own threads (engines/README.md has the numbers).
 */
final class RowByRowEncoder implements Encoder {

    private final DjlEncoder encoder;
    private final ExecutorService rows;

    /**
     * @param encoder loaded with one intra-op thread
     * @param parallelRows how many rows run at once
     */
    RowByRowEncoder(DjlEncoder encoder, int parallelRows) {
        this.encoder = encoder;
        this.rows = Executors.newFixedThreadPool(parallelRows, task -> {
            Thread thread = new Thread(task, "embedding-row");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public float[][] encode(List<long[]> batch) {
        List<Future<float[]>> pending = new ArrayList<>(batch.size());
        for (long[] row : batch) {
            pending.add(rows.submit(() -> encoder.encode(List.of(row))[0]));
        }
        float[][] vectors = new float[batch.size()][];
        try {
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = pending.get(i).get();
            }
        } catch (ExecutionException e) {
            pending.forEach(f -> f.cancel(false));
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            pending.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the batch ran", e);
        }
        return vectors;
    }

    @Override
    public int computedTokens(List<long[]> batch) {
        return batch.stream().mapToInt(row -> row.length).sum();
    }

    @Override
    public void close() {
        rows.shutdownNow();
        encoder.close();
    }
}
