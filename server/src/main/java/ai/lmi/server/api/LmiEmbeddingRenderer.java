package ai.lmi.server.api;

import ai.lmi.engines.embedding.Embedding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;

/** The LMI schema's embedding response: the vector for a string input, a list of vectors for a list. */
final class LmiEmbeddingRenderer implements EmbeddingRenderer {

    private final boolean single;

    LmiEmbeddingRenderer(boolean single) {
        this.single = single;
    }

    @Override
    public JsonNode render(List<Embedding> embeddings) {
        if (single) {
            return Json.floats(embeddings.get(0).vector());
        }
        ArrayNode vectors = Json.array();
        embeddings.forEach(embedding -> vectors.add(Json.floats(embedding.vector())));
        return vectors;
    }
}
