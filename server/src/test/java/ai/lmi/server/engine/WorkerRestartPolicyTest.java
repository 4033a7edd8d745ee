package ai.lmi.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The restart budget over a clock the test moves. */
class WorkerRestartPolicyTest {

    private final AtomicLong now = new AtomicLong();
    private final WorkerRestartPolicy policy = new WorkerRestartPolicy(4, Duration.ofMinutes(10), now::get);

    private Optional<Long> failAfter(Duration wait) {
        now.addAndGet(wait.toNanos());
        return policy.onFailure().map(Duration::toMillis);
    }

    @Test
    void backoffDoublesWithTheFailuresInTheWindowThenTheBudgetIsSpent() {
        assertEquals(Optional.of(1000L), failAfter(Duration.ZERO));
        assertEquals(Optional.of(2000L), failAfter(Duration.ofSeconds(5)));
        assertEquals(Optional.of(4000L), failAfter(Duration.ofSeconds(5)));
        assertEquals(Optional.of(8000L), failAfter(Duration.ofSeconds(5)));
        assertEquals(Optional.empty(), failAfter(Duration.ofSeconds(5)), "a fifth failure within 10 minutes");
    }

    @Test
    void failuresOlderThanTheWindowNoLongerCount() {
        failAfter(Duration.ZERO);
        failAfter(Duration.ofMinutes(1));
        failAfter(Duration.ofMinutes(1));
        failAfter(Duration.ofMinutes(1));
        // The first failure is 10 minutes old now: three remain, so this is the fourth.
        assertEquals(Optional.of(8000L), failAfter(Duration.ofMinutes(7)));
        assertEquals(4, policy.failuresInWindow());
    }

    @Test
    void theBackoffStopsGrowingAtItsCap() {
        WorkerRestartPolicy lenient = new WorkerRestartPolicy(100, Duration.ofHours(1), now::get);
        Optional<Duration> last = Optional.empty();
        for (int i = 0; i < 40; i++) {
            last = lenient.onFailure();
        }
        assertEquals(Optional.of(WorkerRestartPolicy.MAX_BACKOFF), last);
    }

    @Test
    void zeroRestartsGivesUpAtTheFirstFailure() {
        assertEquals(Optional.empty(), new WorkerRestartPolicy(0, Duration.ofMinutes(10), now::get).onFailure());
    }
}
