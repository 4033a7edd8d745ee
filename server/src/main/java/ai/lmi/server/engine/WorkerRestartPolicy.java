package ai.lmi.server.engine;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * How often the worker may fail (die, or fail to start) before the server gives up on it: at most
 * {@code maxRestarts} failures within a sliding window. Each restart waits a backoff that doubles with the failures
 * still in the window, so a worker that keeps crashing does not spin, while a lone crash costs one second.
 */
final class WorkerRestartPolicy {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final int maxRestarts;
    private final Duration window;
    private final LongSupplier nanoClock;
    private final ArrayDeque<Long> failures = new ArrayDeque<>();

    WorkerRestartPolicy(int maxRestarts, Duration window, LongSupplier nanoClock) {
        this.maxRestarts = maxRestarts;
        this.window = window;
        this.nanoClock = nanoClock;
    }

    /** Counts a failure now; returns the wait before the next start, or empty when no restart is left. */
    Optional<Duration> onFailure() {
        long now = nanoClock.getAsLong();
        while (!failures.isEmpty() && now - failures.peekFirst() >= window.toNanos()) {
            failures.pollFirst();
        }
        failures.addLast(now);
        int inWindow = failures.size();
        if (inWindow > maxRestarts) {
            return Optional.empty();
        }
        long backoff = FIRST_BACKOFF.toMillis() << Math.min(inWindow - 1, 20);
        return Optional.of(Duration.ofMillis(Math.min(backoff, MAX_BACKOFF.toMillis())));
    }

    /** Failures that count now, for messages. */
    int failuresInWindow() {
        return failures.size();
    }

    int maxRestarts() {
        return maxRestarts;
    }

    Duration window() {
        return window;
    }
}
