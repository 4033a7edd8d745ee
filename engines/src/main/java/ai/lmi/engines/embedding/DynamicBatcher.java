package ai.lmi.engines.embedding;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batching thread: gathers queued inputs into batches of at most batchSize and runs each through the encoder.
 *
 * <p>A batch starts with the first queued input and takes more until it is full or maxBatchDelay has passed since
 * then. A job's inputs may span batches; its future completes when its last input is done. Only this thread touches
 * jobs once queued, so none of their state is locked.
 */
final class DynamicBatcher {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    /** Wakes the thread when it waits for work; never run. */
    private static final EmbeddingJob STOP = new EmbeddingJob(List.of());

    private final Encoder encoder;
    private final int batchSize;
    private final long maxBatchDelayNanos;
    private final BatchObserver observer;
    private final BlockingQueue<EmbeddingJob> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean stopping;

    // Owned by the batching thread.
    /** Inputs of a job that did not fit in the last batch; they go first in the next. */
    private final ArrayDeque<Row> carried = new ArrayDeque<>();

    private record Row(EmbeddingJob job, int index) {
        long[] ids() {
            return job.rows().get(index);
        }
    }

    DynamicBatcher(Encoder encoder, int batchSize, Duration maxBatchDelay, BatchObserver observer) {
        this.encoder = encoder;
        this.batchSize = batchSize;
        this.maxBatchDelayNanos = maxBatchDelay.toNanos();
        this.observer = observer;
        this.thread = new Thread(this::run, "embedding-batcher");
        thread.setDaemon(true);
        thread.start();
    }

    void submit(EmbeddingJob job) {
        queue.add(job);
    }

    /** Lets the batch in flight finish, then fails every job still waiting; returns when the thread has ended. */
    void stop() {
        stopping = true;
        queue.add(STOP);
        // Waits through interrupts: the caller closes the model next, which must not happen under a running batch.
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (!stopping) {
                List<Row> batch = nextBatch();
                if (!batch.isEmpty()) {
                    runBatch(batch);
                }
            }
        } catch (InterruptedException e) {
            LOG.warn("the embedding batcher was interrupted; failing the jobs still queued");
        }
        failWaiting(new IllegalStateException("the embedding engine is closed"));
    }

    /** Waits for the first input, then gathers more until the batch is full or the delay is over; empty on stop. */
    private List<Row> nextBatch() throws InterruptedException {
        List<Row> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && !carried.isEmpty()) {
            Row row = carried.poll();
            if (!row.job().future().isDone()) {
                batch.add(row);
            }
        }
        if (batch.isEmpty() && !take(queue.take(), batch)) {
            return batch;
        }
        long deadline = System.nanoTime() + maxBatchDelayNanos;
        while (batch.size() < batchSize) {
            EmbeddingJob job = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (job == null || !take(job, batch)) {
                break;
            }
        }
        // A job cancelled while its batch formed (its request timed out) does not run either.
        batch.removeIf(row -> row.job().future().isDone());
        return batch;
    }

    /** Adds the job's inputs to the batch, carrying those past batchSize; false for the stop marker. */
    private boolean take(EmbeddingJob job, List<Row> batch) {
        if (job == STOP) {
            return false;
        }
        // A job whose caller cancelled it while it waited is dropped here.
        if (job.future().isDone()) {
            return true;
        }
        for (int i = 0; i < job.rows().size(); i++) {
            Row row = new Row(job, i);
            if (batch.size() < batchSize) {
                batch.add(row);
            } else {
                carried.add(row);
            }
        }
        return true;
    }

    private void runBatch(List<Row> batch) {
        List<long[]> ids = batch.stream().map(Row::ids).toList();
        try {
            long start = System.nanoTime();
            float[][] vectors = encoder.encode(ids);
            double seconds = (System.nanoTime() - start) / 1e9;
            try {
                observer.batchRan(batch.size(), encoder.computedTokens(ids), seconds);
            } catch (RuntimeException e) {
                LOG.warn("the batch observer failed", e);
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).job().complete(batch.get(i).index(), vectors[i]);
            }
        } catch (RuntimeException | Error e) {
            // Errors too (an OutOfMemoryError from one large batch, in the forward pass or after it): the thread
            // must live on for the other jobs. A job completed before the failure keeps its answer.
            LOG.error("an embedding batch of {} inputs failed", batch.size(), e);
            batch.forEach(row -> row.job().future().completeExceptionally(e));
        }
    }

    private void failWaiting(RuntimeException cause) {
        carried.forEach(row -> row.job().future().completeExceptionally(cause));
        carried.clear();
        for (EmbeddingJob job = queue.poll(); job != null; job = queue.poll()) {
            job.future().completeExceptionally(cause);
        }
    }
}
