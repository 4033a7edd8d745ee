package ai.lmi.server.api;

import ai.lmi.engines.embedding.Embedding;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Renders the embeddings of one request, in input order, as its response body. */
@FunctionalInterface
public interface EmbeddingRenderer {

    JsonNode render(List<Embedding> embeddings);
}
