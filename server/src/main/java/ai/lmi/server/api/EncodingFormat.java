package ai.lmi.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.stream.Collectors;

/** How {@code /v1/embeddings} writes a vector ({@code encoding_format}). */
enum EncodingFormat {
    /** A JSON array of numbers. */
    FLOAT("float"),
    /** Base64 of the vector's little-endian float32 bytes, as OpenAI's clients decode it. */
    BASE64("base64");

    private final String jsonName;

    EncodingFormat(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The field's value; {@link #FLOAT} when absent. */
    static EncodingFormat read(FieldReader body, String field) {
        JsonNode value = body.get(field);
        if (value == null) {
            return FLOAT;
        }
        for (EncodingFormat format : values()) {
            if (value.isTextual() && format.jsonName.equals(value.textValue())) {
                return format;
            }
        }
        String allowed = Arrays.stream(values()).map(f -> "\"" + f.jsonName + "\"").collect(Collectors.joining(" or "));
        throw body.mustBe(field, allowed, value);
    }
}
