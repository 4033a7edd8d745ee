package ai.lmi.server.api;

/**
 * The fields of every request schema: those served, and those known but not served yet with the values that ask for
 * nothing. docs/api.md lists the same.
 */
final class RequestSchemas {

    private static final String DEPRECATED_FUNCTIONS = "OpenAI's deprecated functions API is not served; send tools"
            + " and tool_choice";
    private static final String NO_BEAMS = "beam search is not implemented";
    private static final String NO_LOGIT_BIAS = "logit bias is not implemented";

    /** {@code POST /v1/completions}. */
    static final SchemaFields COMPLETIONS = openAiNotServed(SchemaFields.of("a completions request",
            "model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "min_p", "repetition_penalty",
            "presence_penalty", "frequency_penalty", "seed", "stop", "stop_token_ids", "ignore_eos", "logprobs",
            "echo", "stream", "stream_options", "n", "best_of", "user", "return_tokens_as_token_ids", "response_format",
            "guided_json", "guided_regex", "guided_choice"))
            .notServed("suffix", "text after the completion is not implemented", "\"\"");

    /** {@code POST /v1/chat/completions}, and {@code /invocations} with {@code messages}. */
    static final SchemaFields CHAT = openAiNotServed(SchemaFields.of("a chat completions request",
            "messages", "model", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "min_p",
            "repetition_penalty", "presence_penalty", "frequency_penalty", "seed", "stop", "stop_token_ids",
            "ignore_eos", "logprobs", "top_logprobs", "stream", "stream_options", "n", "best_of", "user",
            "response_format", "guided_json", "guided_regex", "guided_choice", "tools", "tool_choice",
            "parallel_tool_calls"))
            .notServed("functions", DEPRECATED_FUNCTIONS, "[]")
            .notServed("function_call", DEPRECATED_FUNCTIONS, "\"none\"")
            .notServed("modalities", "only text is generated", "[\"text\"]")
            .notServed("audio", "only text is generated")
            .notServed("prediction", "predicted outputs are not implemented")
            .notServed("reasoning_effort", "the served models do not reason")
            .notServed("verbosity", "the served models take no verbosity")
            .notServed("web_search_options", "web search is not implemented")
            .notServed("store", "completions are not stored", "false")
            .notServed("metadata", "completions are not stored", "{}")
            .notServed("service_tier", "there is one tier", "\"auto\"", "\"default\"")
            .notServed("echo", "chat completions do not echo the prompt", "false")
            .notServed("add_generation_prompt", "the assistant's turn is always opened", "true")
            .notServed("continue_final_message", "the assistant's turn is always opened", "false")
            .notServed("chat_template", "the model's own chat template is used")
            .notServed("chat_template_kwargs", "the model's own chat template is used", "{}")
            .notServed("documents", "the chat template gets messages only");

    /** One of {@code messages}. */
    static final SchemaFields CHAT_MESSAGE = SchemaFields.of("a message", "role", "content", "tool_calls",
            "tool_call_id", "name")
            .notServed("function_call", DEPRECATED_FUNCTIONS)
            .notServed("audio", "only text is served");

    /** One part of a message's {@code content} list. */
    static final SchemaFields CONTENT_PART = SchemaFields.of("a content part", "type", "text");

    /** {@code stream_options} of either OpenAI schema. */
    static final SchemaFields STREAM_OPTIONS = SchemaFields.of("stream_options", "include_usage")
            .notServed("continuous_usage_stats", "usage comes in the last chunk only", "false")
            .notServed("include_obfuscation", "chunks are not padded", "false");

    /** The LMI schema of {@code /invocations}. */
    static final SchemaFields LMI = SchemaFields.of("an LMI request", "inputs", "parameters", "stream", "adapters");

    /** {@code parameters} of the LMI schema. */
    static final SchemaFields LMI_PARAMETERS = SchemaFields.of("parameters", "max_new_tokens", "do_sample",
            "temperature", "top_k", "top_p", "min_p", "repetition_penalty", "presence_penalty", "frequency_penalty",
            "seed", "stop", "stop_sequences", "stop_token_ids", "ignore_eos", "details", "decoder_input_details",
            "return_full_text", "top_n_tokens", "adapter_id", "grammar")
            .notServed("num_beams", NO_BEAMS, "1")
            .notServed("length_penalty", NO_BEAMS, "1")
            .notServed("early_stopping", NO_BEAMS, "false")
            .notServed("n", "one sequence per request", "1")
            .notServed("best_of", "one sequence per request", "1")
            .notServed("num_return_sequences", "one sequence per request", "1")
            .notServed("typical_p", "typical sampling is not implemented", "1")
            .notServed("no_repeat_ngram_size", "n-gram blocking is not implemented", "0")
            .notServed("watermark", "watermarking is not implemented", "false")
            .notServed("truncate", "a prompt over max_model_len is refused, not cut");

    /** {@code POST /v1/embeddings}. */
    static final SchemaFields OPENAI_EMBEDDINGS = SchemaFields.of("an embeddings request",
            "input", "model", "encoding_format", "dimensions", "user");

    /** {@code /invocations} of an embedding model. */
    static final SchemaFields LMI_EMBEDDINGS = SchemaFields.of("an LMI embedding request", "inputs", "stream")
            .notServed("parameters", "an embedding model takes no parameters", "{}");

    private RequestSchemas() {}

    /** What both OpenAI generation schemas know and do not serve: vLLM's extensions among them. */
    private static SchemaFields openAiNotServed(SchemaFields fields) {
        return fields
                .notServed("logit_bias", NO_LOGIT_BIAS, "{}")
                .notServed("guided_grammar", "context-free grammars are not implemented; guided_regex, guided_json"
                        + " and guided_choice are")
                .notServed("guided_decoding_backend", "there is one built-in backend; leave it to choose")
                .notServed("guided_whitespace_pattern", "JSON is written with at most one space after ':' and ','")
                .notServed("structured_outputs", "send guided_json, guided_regex, guided_choice or response_format")
                .notServed("use_beam_search", NO_BEAMS, "false")
                .notServed("length_penalty", NO_BEAMS, "1")
                .notServed("min_tokens", "a minimum length is not implemented", "0")
                .notServed("include_stop_str_in_output", "stop strings are always left out", "false")
                .notServed("bad_words", "word bans are not implemented", "[]")
                .notServed("logits_processors", NO_LOGIT_BIAS)
                .notServed("prompt_logprobs", "prompt logprobs come with echo and logprobs (completions)");
    }
}
