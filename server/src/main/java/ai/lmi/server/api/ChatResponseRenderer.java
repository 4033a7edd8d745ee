package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The OpenAI chat completion response ({@code object: "chat.completion"}) with one choice and usage. */
final class ChatResponseRenderer implements ResponseRenderer {

    private final ChatOutput output;

    ChatResponseRenderer(ChatOutput output) {
        this.output = output;
    }

    @Override
    public JsonNode render(List<GeneratedToken> tokens, GenerationResult result) {
        ObjectNode body = Json.object();
        body.put("id", output.id());
        body.put("object", "chat.completion");
        body.put("created", output.created());
        body.put("model", output.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", result.text());
        if (output.logprobs()) {
            choice.set("logprobs", ChatLogprobs.of(tokens, output.tokenText()));
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", OpenAiFields.finishReason(result.finishReason()));
        body.set("usage", OpenAiFields.usage(result.promptTokens(), result.generatedTokens()));
        return body;
    }
}
