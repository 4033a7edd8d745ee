package ai.lmi.server.worker;

/**
 * The worker's answer to {@code health}.
 *
 * @param ok    the engine is loaded
 * @param steps step messages the worker has handled so far
 */
public record WorkerHealth(boolean ok, long steps) {
}
