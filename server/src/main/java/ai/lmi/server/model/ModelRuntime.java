package ai.lmi.server.model;

import java.time.Duration;

/** A served model's life in the daemon: loaded once the HTTP port is open, drained on SIGTERM, closed last. */
public interface ModelRuntime extends AutoCloseable {

    /** Loads the model and returns once it serves, with what it serves in words for the start-up log. */
    String start() throws Exception;

    /**
     * Stops taking requests and waits up to {@code grace} for those in flight to be answered. True when none
     * was left.
     */
    boolean drain(Duration grace) throws InterruptedException;

    /** Releases the model at once; requests still in flight end with an error. */
    @Override
    void close();
}
