package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;

/** The OpenAI completions response ({@code object: "text_completion"}) with one choice and usage. */
final class CompletionResponseRenderer implements ResponseRenderer {

    private final CompletionOutput output;

    CompletionResponseRenderer(CompletionOutput output) {
        this.output = output;
    }

    @Override
    public JsonNode render(List<GeneratedToken> tokens, GenerationResult result) {
        String text = output.echoText() == null ? result.text() : output.echoText() + result.text();
        ObjectNode body = new OpenAiEnvelope(output.id(), "text_completion", output.created(), output.model())
                .withChoice("text", TextNode.valueOf(text), logprobs(tokens, result),
                        OpenAiFields.finishReason(result.finishReason()));
        body.set("usage", OpenAiFields.usage(result.promptTokens(), result.generatedTokens()));
        return body;
    }

    /** The prompt's logprobs when echoed, then the generated tokens'; null when not asked for. */
    private JsonNode logprobs(List<GeneratedToken> tokens, GenerationResult result) {
        if (!output.wantsLogprobs()) {
            return null;
        }
        CompletionLogprobs logprobs = new CompletionLogprobs(output.tokenText(), 0);
        if (output.echoText() != null) {
            result.promptLogprobs().forEach(logprobs::addPrompt);
        }
        tokens.forEach(logprobs::addGenerated);
        return logprobs.toJson();
    }
}
