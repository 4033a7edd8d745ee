package ai.lmi.server.api;

import ai.lmi.engines.embedding.Embedding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * {@code /v1/embeddings}' response: {@code {"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
 * "model", "usage": {"prompt_tokens", "total_tokens"}}}.
 */
final class OpenAiEmbeddingRenderer implements EmbeddingRenderer {

    private final String modelName;
    private final EncodingFormat format;

    OpenAiEmbeddingRenderer(String modelName, EncodingFormat format) {
        this.modelName = modelName;
        this.format = format;
    }

    @Override
    public JsonNode render(List<Embedding> embeddings) {
        ObjectNode response = Json.object();
        response.put("object", "list");
        ArrayNode data = response.putArray("data");
        int promptTokens = 0;
        for (int i = 0; i < embeddings.size(); i++) {
            ObjectNode entry = data.addObject();
            entry.put("object", "embedding");
            entry.put("index", i);
            float[] vector = embeddings.get(i).vector();
            if (format == EncodingFormat.BASE64) {
                entry.put("embedding", base64(vector));
            } else {
                entry.set("embedding", Json.floats(vector));
            }
            promptTokens += embeddings.get(i).promptTokens();
        }
        response.put("model", modelName);
        ObjectNode usage = response.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens);
        return response;
    }

    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
