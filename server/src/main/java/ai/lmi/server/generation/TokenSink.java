package ai.lmi.server.generation;

/**
 * Receives one generation's events, on the engine loop's thread: tokens in order, then exactly
 * one of {@link #onFinish} or {@link #onError}. Implementations must return quickly and never block.
 */
public interface TokenSink {

    void onToken(GeneratedToken token);

    void onFinish(GenerationResult result);

    /** The generation failed after it was accepted (worker died, internal error). */
    void onError(String message);
}
