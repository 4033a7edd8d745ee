package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The OpenAI completions stream: a server-sent event per token with {@code choices[0].text}, a last one with
 * {@code finish_reason}, a usage event when asked, then {@code data: [DONE]}.
 */
final class CompletionStreamRenderer implements StreamRenderer {

    private final CompletionOutput output;
    /** Where the next token's text starts in the whole choice text, for {@code text_offset}. */
    private int offset;

    CompletionStreamRenderer(CompletionOutput output) {
        this.output = output;
        this.offset = output.echoLength();
    }

    @Override
    public String contentType() {
        return ServerSentEvents.CONTENT_TYPE;
    }

    @Override
    public String start() {
        return output.echoText() == null ? "" : ServerSentEvents.data(chunk(output.echoText(), null, null));
    }

    @Override
    public String token(GeneratedToken token) {
        if (!output.wantsLogprobs()) {
            return token.text().isEmpty() ? "" : ServerSentEvents.data(chunk(token.text(), null, null));
        }
        CompletionLogprobs logprobs = new CompletionLogprobs(output.tokenText(), offset);
        logprobs.addGenerated(token);
        offset = logprobs.offset();
        return ServerSentEvents.data(chunk(token.text(), logprobs.toJson(), null));
    }

    @Override
    public String finish(GenerationResult result) {
        String last = ServerSentEvents.data(chunk("", null, OpenAiFields.finishReason(result.finishReason())));
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
        ObjectNode chunk = chunk("", null, "error");
        chunk.set("error", OpenAiFields.streamError(message));
        return ServerSentEvents.data(chunk) + ServerSentEvents.DONE;
    }

    private ObjectNode chunk(String text, JsonNode logprobs, String finishReason) {
        ObjectNode chunk = header();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", text);
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
        chunk.put("object", "text_completion");
        chunk.put("created", output.created());
        chunk.put("model", output.model());
        return chunk;
    }
}
