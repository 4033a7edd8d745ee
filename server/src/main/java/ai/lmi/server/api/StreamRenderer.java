package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;

/**
 * Renders one generation's events, in order, as the chunks of a streamed response body: {@link #start},
 * then {@link #token} per token, then {@link #finish} or {@link #error}. Stateful; one thread at a time.
 */
public interface StreamRenderer {

    String contentType();

    /** What to send before any token (chat's role chunk, an echoed prompt); empty for nothing. */
    String start();

    /** What to send for this token now; empty for nothing. */
    String token(GeneratedToken token);

    /** The rest of the body once the generation ended. */
    String finish(GenerationResult result);

    /** The in-band end of a stream whose generation failed after the response began. */
    String error(String message);
}
