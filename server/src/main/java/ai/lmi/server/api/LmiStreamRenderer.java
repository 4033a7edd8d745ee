package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The LMI streaming response, {@code application/jsonlines}: one {@code {"token": {...}}} line per token,
 * the last line adding {@code generated_text} and {@code details}.
 *
 * <p>The engine reports a generation's end after its last token, so each token's line is held until the
 * next event shows whether it is the last: every line leaves one engine step late.
 */
final class LmiStreamRenderer implements StreamRenderer {

    static final String CONTENT_TYPE = "application/jsonlines";

    private final LmiOutput output;
    /** The latest token's line, not yet sent. */
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
        String previous = releaseHeld();
        heldLine = Json.object();
        heldLine.set("token", LmiTokenJson.generated(token));
        if (output.topNTokens() > 0) {
            heldLine.set("top_tokens", LmiTokenJson.candidates(token.top()));
        }
        text.append(token.text());
        tokens++;
        return previous;
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
