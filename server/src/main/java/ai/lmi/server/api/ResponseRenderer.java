package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Renders a finished generation as one JSON response body. */
@FunctionalInterface
public interface ResponseRenderer {

    JsonNode render(List<GeneratedToken> tokens, GenerationResult result);
}
