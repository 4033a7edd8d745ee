package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The OpenAI chat completion stream: a first event whose delta carries the role, one per token with
 * {@code delta.content}, a last one with an empty delta and {@code finish_reason}, a usage event when asked,
 * then {@code data: [DONE]}.
 */
final class ChatStreamRenderer implements StreamRenderer {

    private final ChatOutput output;

    ChatStreamRenderer(ChatOutput output) {
        this.output = output;
    }

    @Override
    public String contentType() {
        return ServerSentEvents.CONTENT_TYPE;
    }

    @Override
    public String start() {
        ObjectNode delta = Json.object();
        delta.put("role", "assistant");
        delta.put("content", "");
        return ServerSentEvents.data(chunk(delta, null, null));
    }

    @Override
    public String token(GeneratedToken token) {
        if (token.text().isEmpty() && !output.logprobs()) {
            return "";
        }
        ObjectNode delta = Json.object();
        delta.put("content", token.text());
        JsonNode logprobs = output.logprobs() ? ChatLogprobs.of(List.of(token), output.tokenText()) : null;
        return ServerSentEvents.data(chunk(delta, logprobs, null));
    }

    @Override
    public String finish(GenerationResult result) {
        String last = ServerSentEvents.data(
                chunk(Json.object(), null, OpenAiFields.finishReason(result.finishReason())));
        if (output.includeUsage()) {
            ObjectNode usage = header();
            usage.putArray("choices");
            usage.set("usage", OpenAiFields.usage(result.promptTokens(), result.generatedTokens()));
            last += ServerSentEvents.data(usage);
        }
        return last + ServerSentEvents.DONE;
    }

    @Override
    public String error(String message) {
        ObjectNode chunk = chunk(Json.object(), null, "error");
        chunk.set("error", OpenAiFields.streamError(message));
        return ServerSentEvents.data(chunk) + ServerSentEvents.DONE;
    }

    private ObjectNode chunk(ObjectNode delta, JsonNode logprobs, String finishReason) {
        ObjectNode chunk = header();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.set("logprobs", logprobs == null ? NullNode.getInstance() : logprobs);
        choice.put("finish_reason", finishReason);
        if (output.includeUsage()) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private ObjectNode header() {
        ObjectNode chunk = Json.object();
        chunk.put("id", output.id());
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", output.created());
        chunk.put("model", output.model());
        return chunk;
    }
}
