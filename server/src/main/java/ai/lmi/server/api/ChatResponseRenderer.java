package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/** The OpenAI chat completion response ({@code object: "chat.completion"}) with one choice and usage. */
final class ChatResponseRenderer implements ResponseRenderer {

    private final ChatOutput output;

    ChatResponseRenderer(ChatOutput output) {
        this.output = output;
    }

    @Override
    public JsonNode render(List<GeneratedToken> tokens, GenerationResult result) {
        ObjectNode message = Json.object();
        message.put("role", "assistant");
        String finishReason = OpenAiFields.finishReason(result.finishReason());
        Optional<List<ToolCall>> calls = ToolCallParser.parse(result.text(), output.tools());
        if (calls.isPresent()) {
            message.putNull("content");
            ArrayNode toolCalls = message.putArray("tool_calls");
            calls.get().forEach(call -> toolCalls.add(call.toJson(null)));
            finishReason = OpenAiFields.toolCallsFinishReason(result.finishReason());
        } else {
            message.put("content", result.text());
        }
        JsonNode logprobs = output.logprobs() ? ChatLogprobs.of(tokens, output.tokenText()) : null;
        ObjectNode body = new OpenAiEnvelope(output.id(), "chat.completion", output.created(), output.model())
                .withChoice("message", message, logprobs, finishReason);
        body.set("usage", OpenAiFields.usage(result.promptTokens(), result.generatedTokens()));
        return body;
    }
}
