package ai.lmi.server.api;

import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The server-sent events both OpenAI streams are made of: one-choice chunks, the closing chunk with its finish
 * reason, the usage chunk when asked for, the in-band error, and {@code [DONE]}.
 *
 * @param contentField where a choice's content sits, the one way the streams differ: chat's {@code delta},
 *     completions' {@code text}
 * @param includeUsage {@code stream_options.include_usage}
 */
record OpenAiStreamChunks(OpenAiEnvelope envelope, String contentField, boolean includeUsage) {

    /** One chunk's event; {@code logprobs} and {@code finishReason} may be null. */
    String chunk(JsonNode content, JsonNode logprobs, String finishReason) {
        return ServerSentEvents.data(node(content, logprobs, finishReason));
    }

    /** The chunk with the finish reason and {@code empty} content, the usage chunk when asked, then {@code [DONE]}. */
    String finish(JsonNode empty, GenerationResult result) {
        return finish(empty, result, OpenAiFields.finishReason(result.finishReason()));
    }

    /** {@link #finish(JsonNode, GenerationResult)} with another finish reason than the result's. */
    String finish(JsonNode empty, GenerationResult result, String finishReason) {
        String last = chunk(empty, null, finishReason);
        if (includeUsage) {
            ObjectNode usage = envelope.header();
            usage.putArray("choices");
            usage.set("usage", OpenAiFields.usage(result.promptTokens(), result.generatedTokens()));
            last += ServerSentEvents.data(usage);
        }
        return last + ServerSentEvents.DONE;
    }

    /** A chunk with {@code empty} content, finish reason {@code error} and the error object, then {@code [DONE]}. */
    String error(JsonNode empty, String message) {
        ObjectNode chunk = node(empty, null, "error");
        chunk.set("error", OpenAiFields.streamError(message));
        return ServerSentEvents.data(chunk) + ServerSentEvents.DONE;
    }

    private ObjectNode node(JsonNode content, JsonNode logprobs, String finishReason) {
        ObjectNode chunk = envelope.withChoice(contentField, content, logprobs, finishReason);
        // With usage asked for, every chunk but the usage chunk says usage: null, as OpenAI's do.
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }
}
