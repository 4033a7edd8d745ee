package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The LMI non-streaming response: {@code {"generated_text", "details"?}}, details as TGI shapes them. */
final class LmiResponseRenderer implements ResponseRenderer {

    private final LmiOutput output;

    LmiResponseRenderer(LmiOutput output) {
        this.output = output;
    }

    @Override
    public JsonNode render(List<GeneratedToken> tokens, GenerationResult result) {
        ObjectNode body = Json.object();
        body.put("generated_text", output.generatedText(result.text()));
        if (output.details() || output.decoderInputDetails()) {
            body.set("details", details(tokens, result));
        }
        return body;
    }

    private ObjectNode details(List<GeneratedToken> tokens, GenerationResult result) {
        ObjectNode details = Json.object();
        details.put("finish_reason", result.finishReason().wireName());
        details.put("generated_tokens", result.generatedTokens());
        details.put("inputs", output.inputs());
        ArrayNode tokenArray = details.putArray("tokens");
        tokens.forEach(token -> tokenArray.add(LmiTokenJson.generated(token)));
        if (output.decoderInputDetails()) {
            ArrayNode prefill = details.putArray("prefill");
            result.promptLogprobs().forEach(token -> prefill.add(LmiTokenJson.prompt(token)));
        }
        if (output.topNTokens() > 0) {
            ArrayNode topTokens = details.putArray("top_tokens");
            tokens.forEach(token -> topTokens.add(LmiTokenJson.candidates(token.top())));
        }
        return details;
    }
}
