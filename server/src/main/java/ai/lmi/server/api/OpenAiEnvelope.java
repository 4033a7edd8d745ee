package ai.lmi.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What every OpenAI completions and chat body and stream chunk opens with, and its single choice.
 *
 * @param object {@code text_completion}, {@code chat.completion} or {@code chat.completion.chunk}
 */
record OpenAiEnvelope(String id, String object, long created, String model) {

    /** {@code id}, {@code object}, {@code created} and {@code model}, in that order. */
    ObjectNode header() {
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("object", object);
        body.put("created", created);
        body.put("model", model);
        return body;
    }

    /**
     * The header and {@code choices} with one choice at index 0, whose content sits under {@code contentField}
     * ({@code text}, {@code message} or {@code delta}); a null {@code logprobs} or {@code finishReason} is JSON null.
     */
    ObjectNode withChoice(String contentField, JsonNode content, JsonNode logprobs, String finishReason) {
        ObjectNode body = header();
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set(contentField, content);
        choice.set("logprobs", logprobs == null ? NullNode.getInstance() : logprobs);
        choice.put("finish_reason", finishReason);
        return body;
    }
}
