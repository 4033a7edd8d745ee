package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The OpenAI completions stream: a server-sent event per token with {@code choices[0].text}, a last one with
 * {@code finish_reason}, a usage event when asked, then {@code data: [DONE]}.
 */
final class CompletionStreamRenderer implements StreamRenderer {

    private static final TextNode EMPTY = TextNode.valueOf("");

    private final CompletionOutput output;
    private final OpenAiStreamChunks chunks;
    /** Where the next token's text starts in the whole choice text, for {@code text_offset}. */
    private int offset;

    CompletionStreamRenderer(CompletionOutput output) {
        this.output = output;
        this.chunks = new OpenAiStreamChunks(
                new OpenAiEnvelope(output.id(), "text_completion", output.created(), output.model()),
                "text", output.includeUsage());
        this.offset = output.echoLength();
    }

    @Override
    public String contentType() {
        return ServerSentEvents.CONTENT_TYPE;
    }

    @Override
    public String start() {
        return output.echoText() == null ? "" : chunks.chunk(TextNode.valueOf(output.echoText()), null, null);
    }

    @Override
    public String token(GeneratedToken token) {
        if (!output.wantsLogprobs()) {
            return token.text().isEmpty() ? "" : chunks.chunk(TextNode.valueOf(token.text()), null, null);
        }
        CompletionLogprobs logprobs = new CompletionLogprobs(output.tokenText(), offset);
        logprobs.addGenerated(token);
        offset = logprobs.offset();
        return chunks.chunk(TextNode.valueOf(token.text()), logprobs.toJson(), null);
    }

    @Override
    public String finish(GenerationResult result) {
        return chunks.finish(EMPTY, result);
    }

    @Override
    public String error(String message) {
        return chunks.error(EMPTY, message);
    }
}
