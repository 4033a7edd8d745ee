package ai.lmi.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * Offers one run's requests in its {@link LoadPattern}. A single thread paces the sends and waits for a free slot;
 * completions arrive on the HTTP client's threads and free their slot.
 */
final class LoadRunner {

    private final HttpStreamClient client;
    private final Api api;
    private final ScheduledExecutorService timers;
    private final PrintStream progressOut;

    /** @param api what the progress line counts: output tokens, or requests for embeddings */
    LoadRunner(HttpStreamClient client, Api api, ScheduledExecutorService timers, PrintStream progressOut) {
        this.client = client;
        this.api = api;
        this.timers = timers;
        this.progressOut = progressOut;
    }

    /**
     * Sends every request and waits for all of them.
     *
     * @param arrivalSeed seeds the Poisson gaps of an open loop
     * @return one record per request, in request order
     */
    List<RequestRecord> run(String name, LoadPattern load, List<BenchRequest> requests, long arrivalSeed)
            throws InterruptedException {
        RequestRecord[] records = new RequestRecord[requests.size()];
        CountDownLatch finished = new CountDownLatch(requests.size());
        Semaphore slots = new Semaphore(load.maxInFlight());
        PoissonArrivals arrivals = load instanceof LoadPattern.OpenLoop open
                ? new PoissonArrivals(open.requestRate(), arrivalSeed) : null;
        ProgressBar progress = ProgressBar.start(name, requests.size(), api, progressOut, timers);
        long nextArrival = System.nanoTime();
        for (int i = 0; i < requests.size(); i++) {
            if (arrivals != null && i > 0) {
                nextArrival += arrivals.nextGapNanos();
                sleepUntil(nextArrival);
            }
            slots.acquire();
            int index = i;
            client.send(requests.get(i)).thenAccept(record -> {
                records[index] = record;
                slots.release();
                progress.completed(record);
                finished.countDown();
            });
        }
        finished.await();
        progress.finish();
        return Arrays.asList(records);
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        for (long wait = deadlineNanos - System.nanoTime(); wait > 0; wait = deadlineNanos - System.nanoTime()) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
