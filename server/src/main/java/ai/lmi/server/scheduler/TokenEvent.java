package ai.lmi.server.scheduler;

import ai.lmi.server.core.FinishReason;

/**
 * A request gained a token, and perhaps finished with it (the stop token itself is included here; whether its
 * text is shown is the caller's choice).
 *
 * @param requestId    the request
 * @param tokenId      the token appended to its output
 * @param finishReason why it finished with this token, or null while it goes on
 */
public record TokenEvent(long requestId, int tokenId, FinishReason finishReason) {

    public boolean finished() {
        return finishReason != null;
    }
}
