package ai.lmi.engines.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs each row of a batch as its own unpadded forward pass, several at a time, for models whose output for a row
 * would otherwise depend on the rest of the batch (see {@link DynamicQuantization}).
 *
 * <p>Each pass runs single-threaded and the passes run side by side, one per core: on 2 cores that cost what one
 * padded pass costs and beat the rows one after another with ONNX Runtime's own threads (engines/README.md has
 * the numbers, and BatchingStrategyBenchmark measures them).
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
        List<Callable<float[]>> tasks = new ArrayList<>(batch.size());
        for (long[] row : batch) {
            tasks.add(() -> encoder.encode(List.of(row))[0]);
        }
        List<Future<float[]>> done;
        try {
            // Waits for every row, even once one failed: the model may be closed as soon as this returns, and
            // ONNX Runtime crashes the JVM when its session is closed under a running row.
            done = rows.invokeAll(tasks);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the batch ran", e);
        }
        float[][] vectors = new float[batch.size()][];
        for (int i = 0; i < vectors.length; i++) {
            try {
                vectors[i] = done.get(i).get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                // Not reached: invokeAll returned, so every row is done.
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the batch ran", e);
            }
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
        // A row left running (its batch was interrupted) must not find its model closed.
        boolean interrupted = false;
        while (!rows.isTerminated()) {
            try {
                rows.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        encoder.close();
    }
}
