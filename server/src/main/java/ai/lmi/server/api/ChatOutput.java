package ai.lmi.server.api;

import java.util.function.IntFunction;

/**
 * What a chat completion response carries besides the generated text.
 *
 * @param id the response id, {@code chatcmpl-…}
 * @param logprobs whether to return {@code logprobs.content}
 * @param includeUsage {@code stream_options.include_usage}
 * @param tokenText how a token id reads in {@code logprobs.content[].token}
 * @param tools how the reply is read when the request has tools
 */
record ChatOutput(String id, long created, String model, boolean logprobs, boolean includeUsage,
                  IntFunction<String> tokenText, ChatTools tools) {}
