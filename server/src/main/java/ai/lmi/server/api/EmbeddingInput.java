package ai.lmi.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts of an embedding request, read from one field: a string, or a list of 1 to {@value #MAX_TEXTS} strings,
 * none empty.
 *
 * @param field the field they came from, e.g. {@code input}
 * @param single true when the field held one string rather than a list
 */
public record EmbeddingInput(String field, List<String> texts, boolean single) {

    /// what a number or a list in place of a text gets told: OpenAI also takes token ids there, this server does not
    private static final String NOT_TOKEN_IDS = "a string (token-id input is not supported; send text)";
    /**
     * OpenAI's limit. Without one, a 6 MiB body of short strings is over a million inputs, tokenized on an event
     * loop (seconds) and run as one request ahead of every other client's.
     */
    public static final int MAX_TEXTS = 2048;

    static EmbeddingInput read(FieldReader body, String field) {
        JsonNode value = body.get(field);
        if (value == null) {
            throw ApiException.badRequest(field + " is required");
        }
        if (value.isTextual()) {
            return new EmbeddingInput(field, List.of(nonEmpty(field, value.textValue())), true);
        }
        if (!value.isArray()) {
            throw body.mustBe(field, "a string or a list of strings", value);
        }
        if (value.isEmpty()) {
            throw ApiException.badRequest(field + " must not be an empty list");
        }
        if (value.size() > MAX_TEXTS) {
            throw ApiException.badRequest(field + " has " + value.size() + " texts; at most " + MAX_TEXTS
                    + " may go in one request");
        }
        List<String> texts = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode element = value.get(i);
            if (!element.isTextual()) {
                throw body.mustBe(field + "[" + i + "]",
                        element.isNumber() || element.isArray() ? NOT_TOKEN_IDS : "a string", element);
            }
            texts.add(nonEmpty(field + "[" + i + "]", element.textValue()));
        }
        return new EmbeddingInput(field, List.copyOf(texts), false);
    }

    /** How an error names the text at {@code index}: {@code input} for a single string, else {@code input[2]}. */
    public String fieldOf(int index) {
        return single ? field : field + "[" + index + "]";
    }

    private static String nonEmpty(String field, String text) {
        if (text.isEmpty()) {
            throw ApiException.badRequest(field + " must not be empty");
        }
        return text;
    }
}
