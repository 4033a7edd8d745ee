package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The LMI streaming response, {@code application/jsonlines}: one {@code {"token": {...}}} line per token,
 * the last line adding {@code generated_text} and {@code details}.
 *
 * <p>Only the last token's line is held: its finish event follows at once and completes it.
 */
final class LmiStreamRenderer implements StreamRenderer {

    static final String CONTENT_TYPE = "application/jsonlines";

    private final LmiOutput output;
    /** The last token's line, waiting for the finish event. */
    private ObjectNode heldLine;
    private final StringBuilder text = new StringBuilder();
    private int tokens;

    LmiStreamRenderer(LmiOutput output) {
        this.output = output;
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    @Override
    public String start() {
        return "";
    }

    @Override
    public String token(GeneratedToken token) {
        ObjectNode json = Json.object();
        json.set("token", LmiTokenJson.generated(token));
        if (output.topNTokens() > 0) {
            json.set("top_tokens", LmiTokenJson.candidates(token.top()));
        }
        text.append(token.text());
        tokens++;
        if (token.last()) {
            heldLine = json;
            return "";
        }
        return line(json);
    }

    @Override
    public String finish(GenerationResult result) {
        ObjectNode last = heldLine != null ? heldLine : Json.object().set("token", LmiTokenJson.placeholder());
        heldLine = null;
        last.put("generated_text", output.generatedText(result.text()));
        last.set("details", details(result.finishReason().wireName(), result.generatedTokens()));
        return line(last);
    }

    @Override
    public String error(String message) {
        String previous = releaseHeld();
        ObjectNode last = Json.object();
        last.set("token", LmiTokenJson.placeholder());
        last.put("generated_text", output.generatedText(text.toString()));
        last.set("details", details("error", tokens));
        last.put("error", message);
        return previous + line(last);
    }

    private ObjectNode details(String finishReason, int generatedTokens) {
        ObjectNode details = Json.object();
        details.put("finish_reason", finishReason);
        details.put("generated_tokens", generatedTokens);
        details.put("inputs", output.inputs());
        return details;
    }

    private String releaseHeld() {
        if (heldLine == null) {
            return "";
        }
        String released = line(heldLine);
        heldLine = null;
        return released;
    }

    private static String line(ObjectNode json) {
        return Json.write(json) + "\n";
    }
}
