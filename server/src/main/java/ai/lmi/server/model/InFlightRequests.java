package ai.lmi.server.model;

import ai.lmi.server.generation.ServiceUnavailableException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests a model accepted and has not answered: what {@code job_queue_size} limits and what a graceful
 * shutdown waits for.
 */
public final class InFlightRequests {

    private static final Logger log = LoggerFactory.getLogger(InFlightRequests.class);
    private static final long POLL_MILLIS = 20;
    /// what a client refused during shutdown is told to wait
    private static final int SHUTDOWN_RETRY_AFTER_SECONDS = 5;

    private final AtomicInteger count = new AtomicInteger();

    /**
     * Counts one more request, unless the model is shutting down or {@code limit} are in flight already.
     *
     * <p>It is counted before {@code shuttingDown} is read, the opposite order of a drain, which raises its flag and
     * then waits: either the drain waits for this request, or this request sees the flag.
     */
    public void admit(BooleanSupplier shuttingDown, int limit) throws ServiceUnavailableException {
        int inFlight = count.incrementAndGet();
        if (shuttingDown.getAsBoolean()) {
            count.decrementAndGet();
            throw new ServiceUnavailableException("the server is shutting down", SHUTDOWN_RETRY_AFTER_SECONDS);
        }
        if (inFlight > limit) {
            count.decrementAndGet();
            throw new ServiceUnavailableException("the job queue is full (job_queue_size " + limit + ")", 1);
        }
    }

    /** One admitted request was answered, or given up. */
    public void done() {
        count.decrementAndGet();
    }

    /**
     * Waits until none is in flight or {@code deadlineNanos} ({@link System#nanoTime()}) passes; true when none is
     * left. Logs what it waits for, and what it gave up on.
     */
    public boolean awaitNone(long deadlineNanos) throws InterruptedException {
        if (count.get() > 0) {
            log.info("draining: waiting up to {} s for {} requests in flight",
                    TimeUnit.NANOSECONDS.toSeconds(Math.max(0, deadlineNanos - System.nanoTime())), count.get());
        }
        while (count.get() > 0 && System.nanoTime() < deadlineNanos) {
            Thread.sleep(POLL_MILLIS);
        }
        int left = count.get();
        if (left > 0) {
            log.warn("graceful shutdown timed out with {} requests in flight; they end with an error", left);
        }
        return left == 0;
    }
}
