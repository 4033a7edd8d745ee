package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The batching policy alone, over an encoder whose vector for a row is {length, first id}. */
class DynamicBatcherTest {

    /**
     * Computes {length, first id} per row; fails a batch holding a row that starts with -1, and runs out of memory
     * counting the tokens of one holding a row that starts with -2; can hold batches.
     */
    private static final class ArithmeticEncoder implements Encoder {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        volatile boolean hold;

        @Override
        public float[][] encode(List<long[]> rows) {
            entered.countDown();
            if (hold) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            float[][] vectors = new float[rows.size()][];
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i)[0] == -1) {
                    throw new IllegalArgumentException("row " + i + " is bad");
                }
                vectors[i] = new float[] {rows.get(i).length, rows.get(i)[0]};
            }
            return vectors;
        }

        @Override
        public int computedTokens(List<long[]> rows) {
            if (rows.stream().anyMatch(row -> row[0] == -2)) {
                throw new OutOfMemoryError("after the forward pass");
            }
            return rows.size() * rows.stream().mapToInt(row -> row.length).max().orElse(0);
        }

        @Override
        public void close() {}
    }

    private static EmbeddingJob job(long... firstIds) {
        List<long[]> rows = new ArrayList<>();
        for (long id : firstIds) {
            rows.add(new long[] {id, 7, 7});
        }
        return new EmbeddingJob(rows);
    }

    @Test
    void aJobLargerThanBatchSizeIsSplitAndCompletesInOrder() throws Exception {
        RecordingObserver observer = new RecordingObserver();
        DynamicBatcher batcher = new DynamicBatcher(new ArithmeticEncoder(), 3, Duration.ZERO, observer);
        EmbeddingJob job = job(10, 11, 12, 13, 14, 15, 16);
        batcher.submit(job);
        List<Embedding> embeddings = job.future().get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(new float[] {3, 10 + i}, embeddings.get(i).vector());
            assertEquals(3, embeddings.get(i).promptTokens());
        }
        assertEquals(List.of(3, 3, 1), observer.batches.stream().map(RecordingObserver.Batch::inputs).toList());
        assertEquals(9, observer.batches.get(0).paddedTokens());
        batcher.stop();
    }

    @Test
    void jobsQueuedWithinTheDelayShareABatch() throws Exception {
        RecordingObserver observer = new RecordingObserver();
        DynamicBatcher batcher = new DynamicBatcher(new ArithmeticEncoder(), 8, Duration.ofMillis(300), observer);
        List<EmbeddingJob> jobs = List.of(job(1), job(2, 3), job(4));
        jobs.forEach(batcher::submit);
        for (EmbeddingJob job : jobs) {
            job.future().get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(4), observer.batches.stream().map(RecordingObserver.Batch::inputs).toList());
        batcher.stop();
    }

    @Test
    void aJobCancelledWhileItsBatchFormsDoesNotRun() throws Exception {
        RecordingObserver observer = new RecordingObserver();
        DynamicBatcher batcher = new DynamicBatcher(new ArithmeticEncoder(), 8, Duration.ofMillis(1000), observer);
        EmbeddingJob cancelled = job(1);
        batcher.submit(cancelled);
        // Time for the batcher to take the job and wait for more; were it not taken yet, take() drops it instead.
        Thread.sleep(100);
        cancelled.future().cancel(false);
        EmbeddingJob kept = job(2, 3);
        batcher.submit(kept);
        assertEquals(2, kept.future().get(10, TimeUnit.SECONDS).size());
        assertEquals(List.of(2), observer.batches.stream().map(RecordingObserver.Batch::inputs).toList());
        batcher.stop();
    }

    @Test
    void aFailedBatchFailsOnlyItsOwnJobs() throws Exception {
        DynamicBatcher batcher = new DynamicBatcher(new ArithmeticEncoder(), 1, Duration.ZERO, BatchObserver.NONE);
        EmbeddingJob good = job(1);
        EmbeddingJob bad = job(-1);
        EmbeddingJob after = job(2);
        List.of(good, bad, after).forEach(batcher::submit);
        assertArrayEquals(new float[] {3, 1}, good.future().get(10, TimeUnit.SECONDS).get(0).vector());
        ExecutionException e = assertThrows(ExecutionException.class, () -> bad.future().get(10, TimeUnit.SECONDS));
        assertEquals("row 0 is bad", e.getCause().getMessage());
        assertArrayEquals(new float[] {3, 2}, after.future().get(10, TimeUnit.SECONDS).get(0).vector());
        batcher.stop();
    }

    @Test
    void anErrorAfterTheForwardPassFailsOnlyItsBatchAndTheThreadLivesOn() throws Exception {
        DynamicBatcher batcher = new DynamicBatcher(new ArithmeticEncoder(), 1, Duration.ZERO, BatchObserver.NONE);
        EmbeddingJob failing = job(-2);
        EmbeddingJob after = job(2);
        List.of(failing, after).forEach(batcher::submit);
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> failing.future().get(10, TimeUnit.SECONDS));
        assertSame(OutOfMemoryError.class, e.getCause().getClass());
        assertArrayEquals(new float[] {3, 2}, after.future().get(10, TimeUnit.SECONDS).get(0).vector());
        batcher.stop();
    }

    @Test
    void aCancelledJobIsDroppedAndStopFailsTheJobsStillWaiting() throws Exception {
        ArithmeticEncoder encoder = new ArithmeticEncoder();
        encoder.hold = true;
        RecordingObserver observer = new RecordingObserver();
        DynamicBatcher batcher = new DynamicBatcher(encoder, 1, Duration.ZERO, observer);
        EmbeddingJob running = job(1);
        batcher.submit(running);
        assertTrue(encoder.entered.await(10, TimeUnit.SECONDS));
        EmbeddingJob cancelled = job(2);
        EmbeddingJob waiting = job(3);
        batcher.submit(cancelled);
        batcher.submit(waiting);
        cancelled.future().cancel(false);

        Thread stopper = new Thread(batcher::stop);
        stopper.start();
        // Released once stop() is joining the batching thread, so the stop is seen before the next batch forms.
        while (stopper.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        encoder.release.countDown();
        stopper.join(10_000);

        assertArrayEquals(new float[] {3, 1}, running.future().get().get(0).vector(), "the batch in flight finishes");
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.future().get());
        assertSame(IllegalStateException.class, e.getCause().getClass());
        assertEquals(1, observer.batches.size(), "neither the cancelled nor the waiting job ran");
    }
}
