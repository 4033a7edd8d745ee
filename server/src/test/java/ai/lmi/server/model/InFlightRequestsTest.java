package ai.lmi.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.generation.ServiceUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** job_queue_size admission and the graceful drain's wait, which both served tasks share. */
class InFlightRequestsTest {

    private final InFlightRequests inFlight = new InFlightRequests();

    @Test
    void admitsUpToTheLimitThenAnswersQueueFull() throws Exception {
        inFlight.admit(() -> false, 2);
        inFlight.admit(() -> false, 2);

        ServiceUnavailableException full =
                assertThrows(ServiceUnavailableException.class, () -> inFlight.admit(() -> false, 2));
        assertEquals("the job queue is full (job_queue_size 2)", full.getMessage());
        assertEquals(1, full.retryAfterSeconds());

        inFlight.done();
        inFlight.admit(() -> false, 2);
    }

    @Test
    void refusesDuringShutdownWithoutCountingTheRequest() throws Exception {
        ServiceUnavailableException refused =
                assertThrows(ServiceUnavailableException.class, () -> inFlight.admit(() -> true, 10));
        assertEquals("the server is shutting down", refused.getMessage());

        assertTrue(inFlight.awaitNone(System.nanoTime()), "the refused request is not in flight");
    }

    @Test
    void awaitNoneReturnsOnceTheLastRequestIsDone() throws Exception {
        inFlight.admit(() -> false, 10);
        CompletableFuture.runAsync(inFlight::done, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));

        assertTrue(inFlight.awaitNone(System.nanoTime() + Duration.ofSeconds(30).toNanos()));
    }

    @Test
    void awaitNoneGivesUpAtTheDeadline() throws Exception {
        inFlight.admit(() -> false, 10);

        assertFalse(inFlight.awaitNone(System.nanoTime() + Duration.ofMillis(50).toNanos()));
    }
}
