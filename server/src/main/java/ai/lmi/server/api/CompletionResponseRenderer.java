package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The OpenAI completions response ({@code object: "text_completion"}) with one choice and usage. */
final class CompletionResponseRenderer implements ResponseRenderer {

    private final CompletionOutput output;

    CompletionResponseRenderer(CompletionOutput output) {
        this.output = output;
    }

    @Override
    public JsonNode render(List<GeneratedToken> tokens, GenerationResult result) {
        ObjectNode body = Json.object();
        body.put("id", output.id());
        body.put("object", "text_completion");
        body.put("created", output.created());
        body.put("model", output.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", output.echoText() == null ? result.text() : output.echoText() + result.text());
        if (output.wantsLogprobs()) {
            CompletionLogprobs logprobs = new CompletionLogprobs(output.tokenText(), 0);
            if (output.echoText() != null) {
                result.promptLogprobs().forEach(logprobs::addPrompt);
            }
            tokens.forEach(logprobs::addGenerated);
            choice.set("logprobs", logprobs.toJson());
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", OpenAiFields.finishReason(result.finishReason()));
        body.set("usage", OpenAiFields.usage(result.promptTokens(), result.generatedTokens()));
        return body;
    }
}
