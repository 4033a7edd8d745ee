package ai.lmi.server.api;

import java.util.function.IntFunction;

/**
 * What a completions response carries besides the generated text.
 *
 * @param id the response id, {@code cmpl-…}
 * @param echoText the prompt text to prepend ({@code echo}), or null
 * @param logprobs {@code logprobs}: candidates per position, or -1 for no logprobs object
 * @param includeUsage {@code stream_options.include_usage}
 * @param tokenText how a token id reads in the logprobs lists
 */
record CompletionOutput(
        String id,
        long created,
        String model,
        String echoText,
        int logprobs,
        boolean includeUsage,
        IntFunction<String> tokenText) {

    boolean wantsLogprobs() {
        return logprobs >= 0;
    }

    int echoLength() {
        return echoText == null ? 0 : echoText.codePointCount(0, echoText.length());
    }
}
