package ai.lmi.server.api;

import ai.lmi.server.generation.GenerationRequest;

/**
 * A validated generation request and how to render its response: streamed (a {@link StreamRenderer}) or
 * whole (a {@link ResponseRenderer}); exactly one of the two is set.
 */
public record PreparedGeneration(
        GenerationRequest request, StreamRenderer streamRenderer, ResponseRenderer responseRenderer) {

    public static PreparedGeneration streamed(GenerationRequest request, StreamRenderer renderer) {
        return new PreparedGeneration(request, renderer, null);
    }

    public static PreparedGeneration whole(GenerationRequest request, ResponseRenderer renderer) {
        return new PreparedGeneration(request, null, renderer);
    }

    /** The same rendering for another request. */
    public PreparedGeneration withRequest(GenerationRequest other) {
        return new PreparedGeneration(other, streamRenderer, responseRenderer);
    }

    public boolean streaming() {
        return streamRenderer != null;
    }
}
