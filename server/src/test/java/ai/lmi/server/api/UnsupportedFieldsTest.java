package ai.lmi.server.api;

import static ai.lmi.server.api.Bodies.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schema refuses a field it does not serve with a 400 naming it, unless the value asks for nothing; an unknown
 * field (a typo) is a 400 naming it and listing the served ones. Nothing is silently ignored.
 */
class UnsupportedFieldsTest {

    private static final String COMPLETION = "{\"prompt\": \"Hi\", ";
    private static final String CHAT = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], ";
    private static final String LMI = "{\"inputs\": \"Hi\", \"parameters\": {";
    private static final ServedEmbeddingModel EMBEDDING_MODEL = new ServedEmbeddingModel("minilm", 2);

    /** A schema, a body, and the exact message of its 400. */
    static Stream<Arguments> refused() {
        return Stream.of(
                completions(COMPLETION + "\"suffix\": \" the end\"}",
                        "suffix is not supported yet (text after the completion is not implemented); leave it out "
                                + "or send \"\""),
                completions(COMPLETION + "\"logit_bias\": {\"50256\": -100}}",
                        "logit_bias is not supported yet (logit bias is not implemented); leave it out or send {}"),
                completions(COMPLETION + "\"guided_grammar\": \"root ::= x\"}",
                        "guided_grammar is not supported yet (context-free grammars are not implemented; "
                                + "guided_regex, guided_json and guided_choice are); leave it out"),
                completions(COMPLETION + "\"response_format\": {\"type\": \"json_object\", \"schema\": {}}}",
                        "response_format.schema is not a field of response_format; its fields are json_schema, type"),
                completions(COMPLETION + "\"use_beam_search\": true}",
                        "use_beam_search is not supported yet (beam search is not implemented); leave it out or send "
                                + "false"),
                completions(COMPLETION + "\"tools\": []}", "tools is not a field of a completions request; its "
                        + "fields are best_of, echo, frequency_penalty, guided_choice, guided_json, guided_regex, "
                        + "ignore_eos, logprobs, max_tokens, min_p, model, n, presence_penalty, prompt, "
                        + "repetition_penalty, response_format, return_tokens_as_token_ids, seed, stop, "
                        + "stop_token_ids, stream, stream_options, temperature, top_k, top_p, user"),
                completions(COMPLETION + "\"temprature\": 0}", "temprature is not a field of a completions request"),
                completions(COMPLETION + "\"\": 0}", "\"\" is not a field of a completions request"),
                completions(COMPLETION + "\"" + "x".repeat(300) + "\": 0}",
                        "\"" + "x".repeat(64) + "...\" is not a field of a completions request"),
                completions(COMPLETION + "\"stream\": true, \"stream_options\": {\"include_usage\": true, "
                        + "\"continuous_usage_stats\": true}}", "stream_options.continuous_usage_stats is not "
                        + "supported yet (usage comes in the last chunk only); leave it out or send false"),
                completions(COMPLETION + "\"stream\": true, \"stream_options\": {\"usage\": true}}",
                        "stream_options.usage is not a field of stream_options; its fields are include_usage"),
                chat(CHAT + "\"tools\": [{\"type\": \"retrieval\"}]}",
                        "tools[0].type must be \"function\" (the only tool type), got \"retrieval\""),
                chat(CHAT + "\"tool_choice\": \"auto\"}", "tool_choice \"auto\" needs tools"),
                chat(CHAT + "\"functions\": [{\"name\": \"f\"}]}", "functions is not supported yet"),
                chat(CHAT + "\"function_call\": \"auto\"}", "function_call is not supported yet"),
                chat(CHAT + "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {}}}",
                        "response_format.json_schema.schema is required"),
                chat(CHAT + "\"modalities\": [\"text\", \"audio\"]}", "modalities is not supported yet"),
                chat(CHAT + "\"store\": true}", "store is not supported yet (completions are not stored)"),
                chat(CHAT + "\"suffix\": \"\"}", "suffix is not a field of a chat completions request"),
                chat("{\"messages\": [{\"role\": \"assistant\", \"content\": null, "
                        + "\"tool_calls\": [{\"id\": \"1\"}]}]}",
                        "messages[0].tool_calls[0] must be a call {\"id\", \"type\": \"function\", \"function\": "
                                + "{\"name\", \"arguments\"}}"),
                chat("{\"messages\": [{\"role\": \"tool\", \"content\": \"42\", \"tool_call_id\": 1}]}",
                        "messages[0].tool_call_id must be a string, got 1"),
                chat("{\"messages\": [{\"role\": \"user\", \"contents\": \"Hi\"}]}",
                        "messages[0].contents is not a field of a message; its fields are content, name, role, "
                                + "tool_call_id, tool_calls"),
                chat("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hi\", "
                        + "\"cache_control\": {}}]}]}", "messages[0].content[0].cache_control is not a field of a "
                        + "content part; its fields are text, type"),
                lmi("{\"inputs\": \"Hi\", \"paramters\": {}}", "paramters is not a field of an LMI request; its "
                        + "fields are adapters, inputs, parameters, stream"),
                lmi(LMI + "\"num_beams\": 4}}", "parameters.num_beams is not supported yet (beam search is not "
                        + "implemented); leave it out or send 1"),
                lmi(LMI + "\"n\": 2}}", "parameters.n is not supported yet (one sequence per request); leave it "
                        + "out or send 1"),
                lmi(LMI + "\"num_beams\": 1e999}}", "parameters.num_beams is not supported yet"),
                lmi(LMI + "\"watermark\": true}}", "parameters.watermark is not supported yet"),
                lmi(LMI + "\"truncate\": 100}}", "parameters.truncate is not supported yet (a prompt over "
                        + "max_model_len is refused, not cut); leave it out"),
                lmi(LMI + "\"max_tokens\": 5}}", "parameters.max_tokens is not a field of parameters; its fields "
                        + "are adapter_id, decoder_input_details, details, do_sample, frequency_penalty, grammar, "
                        + "ignore_eos, max_new_tokens, min_p, presence_penalty, repetition_penalty, return_full_text, "
                        + "seed, stop, stop_sequences, stop_token_ids, temperature, top_k, top_n_tokens, top_p"),
                embeddings("{\"input\": \"a\", \"encoding\": \"float\"}", "encoding is not a field of an embeddings "
                        + "request; its fields are dimensions, encoding_format, input, model, user"),
                lmiEmbeddings("{\"inputs\": \"a\", \"parameters\": {\"normalize\": false}}", "parameters is not "
                        + "supported yet (an embedding model takes no parameters); leave it out or send {}"),
                lmiEmbeddings("{\"inputs\": \"a\", \"truncate\": true}", "truncate is not a field of an LMI "
                        + "embedding request; its fields are inputs, stream"));
    }

    /** Values that ask for nothing, and nulls, which count as absent. */
    static Stream<Arguments> accepted() {
        return Stream.of(
                completions(COMPLETION + "\"suffix\": \"\", \"logit_bias\": {}, \"response_format\": "
                        + "{\"type\": \"text\"}, \"use_beam_search\": false, \"n\": 1, \"best_of\": 1, "
                        + "\"user\": \"u\"}",
                        null),
                completions(COMPLETION + "\"tools\": null, \"anything\": null, \"logit_bias\": null}", null),
                completions(COMPLETION + "\"stream\": true, \"stream_options\": {\"include_usage\": true, "
                        + "\"continuous_usage_stats\": false}}", null),
                chat(CHAT + "\"tools\": [], \"tool_choice\": \"none\", \"parallel_tool_calls\": false, "
                        + "\"functions\": [], \"function_call\": \"none\", \"response_format\": {\"type\": \"text\"}, "
                        + "\"modalities\": [\"text\"], \"store\": false, \"metadata\": {}, \"n\": 1, \"user\": \"u\"}",
                        null),
                chat("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", "
                        + "\"content\": \"Hello\", \"tool_calls\": [], \"name\": null}]}", null),
                chat("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\", \"name\": \"ann\"}, "
                        + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"call_1\", "
                        + "\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]}, "
                        + "{\"role\": \"tool\", \"content\": \"42\", \"tool_call_id\": \"call_1\"}]}", null),
                lmi(LMI + "\"num_beams\": 1, \"n\": 1.0, \"typical_p\": 1, \"watermark\": false, "
                        + "\"max_new_tokens\": 2}}", null),
                embeddings("{\"input\": \"a\", \"model\": \"ada\", \"user\": \"u\", \"encoding_format\": \"float\"}",
                        null),
                lmiEmbeddings("{\"inputs\": \"a\", \"parameters\": {}, \"stream\": false}", null));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("refused")
    void anUnservedOrUnknownFieldIsABadRequestNamingIt(String schema, String json, String message) {
        ApiException e = assertThrows(ApiException.class, () -> parse(schema, json));

        assertEquals(ErrorType.BAD_REQUEST, e.type());
        assertTrue(e.getMessage().startsWith(message),
                "expected a message starting with <" + message + ">, got <" + e.getMessage() + ">");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("accepted")
    void aValueThatAsksForNothingIsAccepted(String schema, String json, String unused) {
        parse(schema, json);
    }

    private static void parse(String schema, String json) {
        switch (schema) {
            case "completions" -> new CompletionRequestParser().parse(body(json), TinyLlama.model());
            case "chat" -> new ChatRequestParser().parse(body(json), TinyLlama.chatModel());
            case "lmi" -> new InvocationRequestParser().parse(body(json), TinyLlama.model());
            case "embeddings" -> new OpenAiEmbeddingRequestParser().parse(body(json), EMBEDDING_MODEL);
            case "lmi-embeddings" -> new LmiEmbeddingRequestParser().parse(body(json), EMBEDDING_MODEL);
            default -> throw new IllegalArgumentException(schema);
        }
    }

    private static Arguments completions(String json, String message) {
        return Arguments.of("completions", json, message);
    }

    private static Arguments chat(String json, String message) {
        return Arguments.of("chat", json, message);
    }

    private static Arguments lmi(String json, String message) {
        return Arguments.of("lmi", json, message);
    }

    private static Arguments embeddings(String json, String message) {
        return Arguments.of("embeddings", json, message);
    }

    private static Arguments lmiEmbeddings(String json, String message) {
        return Arguments.of("lmi-embeddings", json, message);
    }
}
