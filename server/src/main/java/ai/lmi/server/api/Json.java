package ai.lmi.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/** The API layer's one {@link ObjectMapper}, and how values JSON cannot spell are written. */
public final class Json {

    /** Rejects trailing content, so {@code {"a":1} xyz} is a bad request rather than silently accepted. */
    public static final ObjectMapper MAPPER =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** vLLM's stand-in for a log probability of minus infinity, which JSON cannot hold. */
    private static final double NEGATIVE_INFINITY_LOGPROB = -9999.0;

    private Json() {}

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A vector as a JSON array; each float is written in the shortest form that reads back as the same float. */
    public static ArrayNode floats(float[] vector) {
        ArrayNode array = array();
        for (float value : vector) {
            array.add(value);
        }
        return array;
    }

    /** A log probability: null when there is none (NaN, the first prompt token), -9999 for minus infinity. */
    public static JsonNode logprob(float value) {
        if (Float.isNaN(value)) {
            return NullNode.getInstance();
        }
        return DoubleNode.valueOf(value == Float.NEGATIVE_INFINITY ? NEGATIVE_INFINITY_LOGPROB : value);
    }
}
