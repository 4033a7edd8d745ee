package ai.lmi.server.api;

import ai.lmi.server.core.FinishReason;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/** Pieces every OpenAI response shares: ids, timestamps, finish reasons, usage. */
final class OpenAiFields {

    private OpenAiFields() {}

    /** {@code cmpl-…} or {@code chatcmpl-…} followed by 32 random hex digits. */
    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    static long nowEpochSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    /** OpenAI has only "stop" and "length" for a normal end; vLLM adds "abort", and errors are "error". */
    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case EOS_TOKEN, STOP_SEQUENCE -> "stop";
            case LENGTH -> "length";
            case ABORT -> "abort";
            case ERROR -> "error";
        };
    }

    /** A reply read as tool calls ends with "tool_calls", as OpenAI's do, unless max_tokens cut it. */
    static String toolCallsFinishReason(FinishReason reason) {
        return reason == FinishReason.LENGTH ? "length" : "tool_calls";
    }

    static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }

    /** The {@code error} object of an in-band error chunk. */
    static ObjectNode streamError(String message) {
        ObjectNode error = Json.object();
        error.put("message", message);
        error.put("type", ErrorType.INTERNAL_SERVER_ERROR.typeName());
        error.put("code", ErrorType.INTERNAL_SERVER_ERROR.code());
        return error;
    }

    /** Stream options: {@code stream_options.include_usage}, only allowed with {@code stream}. */
    static boolean includeUsage(FieldReader body, boolean stream) {
        return body.object("stream_options").map(options -> {
            if (!stream) {
                throw ApiException.badRequest("stream_options is only allowed when stream is true");
            }
            RequestSchemas.STREAM_OPTIONS.check(options);
            return options.bool("include_usage", false);
        }).orElse(false);
    }

    /** One choice per request: {@code n} and {@code best_of} other than 1 are rejected. */
    static void requireSingleChoice(FieldReader body) {
        for (String field : new String[] {"n", "best_of"}) {
            int value = body.integer(field, 1, Integer.MAX_VALUE).orElse(1);
            if (value != 1) {
                throw ApiException.badRequest(field + " must be 1 (one choice per request), got " + value);
            }
        }
    }
}
