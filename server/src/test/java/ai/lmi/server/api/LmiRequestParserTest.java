package ai.lmi.server.api;

import static ai.lmi.server.api.Bodies.body;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.SamplingParams;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LmiRequestParserTest {

    private final LmiRequestParser parser = new LmiRequestParser();

    private PreparedGeneration parse(String json) {
        return parser.parse(body(json), TinyLlama.model());
    }

    @Test
    void defaultsToThirtyGreedyTokensOfTheTokenizedInputs() {
        PreparedGeneration prepared = parse("{\"inputs\": \"Hello world\"}");

        SamplingParams params = prepared.request().params();
        assertArrayEquals(new int[] {1, 22557, 1526}, prepared.request().promptIds());
        assertEquals(LmiRequestParser.DEFAULT_MAX_NEW_TOKENS, params.maxNewTokens());
        assertEquals(0, params.temperature());
        assertEquals(0, params.topK());
        assertEquals(1, params.topP());
        assertEquals(OptionalLong.empty(), params.seed());
        assertFalse(prepared.streaming());
        assertTrue(prepared.request().requestId().startsWith("lmi-"));
    }

    @Test
    void doSampleDecidesWhetherTemperatureApplies() {
        assertEquals(1.0, temperature("{\"do_sample\": true}"));
        assertEquals(0.0, temperature("{\"do_sample\": false, \"temperature\": 0.7}"));
        assertEquals(0.7, temperature("{\"temperature\": 0.7}"));
        assertEquals(0.5, temperature("{\"do_sample\": true, \"temperature\": 0.5}"));
    }

    private double temperature(String parameters) {
        return parse("{\"inputs\": \"Hi\", \"parameters\": " + parameters + "}").request().params().temperature();
    }

    @Test
    void readsEveryParameter() {
        PreparedGeneration prepared = parse("""
                {"inputs": "Hi", "stream": true, "parameters": {
                  "max_new_tokens": 7, "do_sample": true, "temperature": 0.8, "top_k": -1, "top_p": 0.9,
                  "min_p": 0.05, "repetition_penalty": 1.1, "presence_penalty": 0.5, "frequency_penalty": -0.5,
                  "seed": 42, "stop": "\\n", "stop_sequences": ["END", "\\n"], "top_n_tokens": 3,
                  "ignore_eos": true, "details": true, "return_full_text": true}}
                """);

        SamplingParams params = prepared.request().params();
        assertEquals(7, params.maxNewTokens());
        assertEquals(0.8, params.temperature());
        assertEquals(0, params.topK());
        assertEquals(0.9, params.topP());
        assertEquals(0.05, params.minP());
        assertEquals(1.1, params.repetitionPenalty());
        assertEquals(0.5, params.presencePenalty());
        assertEquals(-0.5, params.frequencyPenalty());
        assertEquals(OptionalLong.of(42), params.seed());
        assertEquals(List.of("\n", "END"), params.stop());
        assertEquals(3, params.topLogprobs());
        assertTrue(params.ignoreEos());
        assertFalse(params.promptLogprobs());
        assertTrue(prepared.streaming());
        assertEquals("application/jsonlines", prepared.streamRenderer().contentType());
    }

    @Test
    void decoderInputDetailsAsksForPromptLogprobsButNotWhenStreaming() {
        assertTrue(parse("{\"inputs\": \"Hi\", \"parameters\": {\"decoder_input_details\": true}}")
                .request().params().promptLogprobs());
        ApiException error = assertThrows(ApiException.class, () -> parse(
                "{\"inputs\": \"Hi\", \"stream\": true, \"parameters\": {\"decoder_input_details\": true}}"));
        assertEquals("parameters.decoder_input_details cannot be used with stream", error.getMessage());
    }

    @Test
    void rejectsGenerationsThatDoNotFitTheModel() {
        ApiException error = assertThrows(ApiException.class,
                () -> parse("{\"inputs\": \"Hello world\", \"parameters\": {\"max_new_tokens\": 510}}"));
        assertEquals("parameters.max_new_tokens + prompt tokens (513) exceed max_model_len 512"
                + " (parameters.max_new_tokens 510, prompt tokens 3 from inputs)", error.getMessage());
        assertEquals(ErrorType.BAD_REQUEST, error.type());
        assertEquals(509, parse("{\"inputs\": \"Hello world\", \"parameters\": {\"max_new_tokens\": 509}}")
                .request().params().maxNewTokens());
    }

    @Test
    void inputsThatFillMaxModelLenAreRefusedNamingThem() {
        String tooLong = "word ".repeat(600);
        int promptTokens = TinyLlama.tokenizer().encode(tooLong, true).length;
        ApiException error = assertThrows(ApiException.class, () -> parse("{\"inputs\": \"" + tooLong + "\"}"));
        assertEquals("inputs has " + promptTokens + " prompt tokens, which leave no room to generate within "
                + "max_model_len 512", error.getMessage());
    }

    @Test
    void cutsTheDefaultToTheRoomThePromptLeaves() {
        String longInputs = "word ".repeat(500);
        int promptTokens = TinyLlama.tokenizer().encode(longInputs, true).length;
        assertTrue(promptTokens > 482 && promptTokens < 512, "prompt tokens: " + promptTokens);

        assertEquals(512 - promptTokens,
                parse("{\"inputs\": \"" + longInputs + "\"}").request().params().maxNewTokens());
    }
}
