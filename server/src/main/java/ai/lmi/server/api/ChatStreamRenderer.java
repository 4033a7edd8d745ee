package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The OpenAI chat completion stream: a first event whose delta carries the role, one per token with
 * {@code delta.content}, a last one with an empty delta and {@code finish_reason}, a usage event when asked,
 * then {@code data: [DONE]}.
 */
final class ChatStreamRenderer implements StreamRenderer {

    private final ChatOutput output;
    private final OpenAiStreamChunks chunks;

    ChatStreamRenderer(ChatOutput output) {
        this.output = output;
        this.chunks = new OpenAiStreamChunks(
                new OpenAiEnvelope(output.id(), "chat.completion.chunk", output.created(), output.model()),
                "delta", output.includeUsage());
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
        return chunks.chunk(delta, null, null);
    }

    @Override
    public String token(GeneratedToken token) {
        if (token.text().isEmpty() && !output.logprobs()) {
            return "";
        }
        ObjectNode delta = Json.object();
        delta.put("content", token.text());
        JsonNode logprobs = output.logprobs() ? ChatLogprobs.of(List.of(token), output.tokenText()) : null;
        return chunks.chunk(delta, logprobs, null);
    }

    @Override
    public String finish(GenerationResult result) {
        return chunks.finish(Json.object(), result);
    }

    @Override
    public String error(String message) {
        return chunks.error(Json.object(), message);
    }
}
