package ai.lmi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/** Finds the human message in the error bodies and error objects that LLM servers send. */
final class ErrorMessages {

    private static final int MAX_RAW_LENGTH = 300;

    private ErrorMessages() {}

    /** The message of an error response body: {@code message}, {@code error.message}, or the text itself. */
    static String fromBody(int status, String body) {
        if (body.isBlank()) {
            return "HTTP " + status + " with an empty body";
        }
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json.path("message").isTextual()) {
                return json.path("message").asText();
            }
            if (json.has("error")) {
                return of(json.path("error"));
            }
        } catch (JsonProcessingException e) {
            // Not JSON: the raw text is the best message there is.
        }
        String raw = body.strip();
        return raw.length() <= MAX_RAW_LENGTH ? raw : raw.substring(0, MAX_RAW_LENGTH) + "...";
    }

    /** An in-band {@code error}: a string (LMI) or an object with a {@code message} (OpenAI). */
    static String of(JsonNode error) {
        if (error.isTextual()) {
            return error.asText();
        }
        JsonNode message = error.path("message");
        return message.isTextual() ? message.asText() : error.toString();
    }
}
