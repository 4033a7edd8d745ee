package ai.lmi.server.api;

import static ai.lmi.server.api.Bodies.assertJsonEquals;
import static ai.lmi.server.api.Bodies.body;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CompletionRequestParserTest {

    private final CompletionRequestParser parser = new CompletionRequestParser();

    private PreparedGeneration parse(String json) {
        return parser.parse(body(json), TinyLlama.model());
    }

    @Test
    void defaultsAreOpenAis() {
        PreparedGeneration prepared = parse("{\"model\": \"tiny-llama\", \"prompt\": \"Hello world\"}");

        SamplingParams params = prepared.request().params();
        assertArrayEquals(new int[] {1, 22557, 1526}, prepared.request().promptIds());
        assertEquals(CompletionRequestParser.DEFAULT_MAX_TOKENS, params.maxNewTokens());
        assertEquals(1.0, params.temperature());
        assertEquals(1.0, params.topP());
        assertEquals(0, params.topLogprobs());
        assertFalse(params.promptLogprobs());
        assertFalse(prepared.streaming());
        assertTrue(prepared.request().requestId().startsWith("cmpl-"));
    }

    @Test
    void acceptsEveryShapeOfOnePrompt() {
        int[] ids = {1, 22557, 1526};
        assertArrayEquals(ids, parse("{\"prompt\": [1, 22557, 1526]}").request().promptIds());
        assertArrayEquals(ids, parse("{\"prompt\": [[1, 22557, 1526]]}").request().promptIds());
        assertArrayEquals(ids, parse("{\"prompt\": [\"Hello world\"]}").request().promptIds());
    }

    @Test
    void readsSamplingLogprobsAndVllmExtensions() {
        PreparedGeneration prepared = parse("""
                {"prompt": "Hi", "max_tokens": 5, "temperature": 0, "top_p": 0.5, "top_k": 4, "min_p": 0.1,
                 "repetition_penalty": 1.2, "presence_penalty": 1, "frequency_penalty": 2, "seed": -3,
                 "stop": ["a", "b"], "stop_token_ids": [13], "ignore_eos": true, "logprobs": 5, "echo": true,
                 "n": 1, "user": "ignored"}
                """);

        SamplingParams params = prepared.request().params();
        assertEquals(5, params.maxNewTokens());
        assertEquals(0, params.temperature());
        assertEquals(0.5, params.topP());
        assertEquals(4, params.topK());
        assertEquals(0.1, params.minP());
        assertEquals(1.2, params.repetitionPenalty());
        assertEquals(1, params.presencePenalty());
        assertEquals(2, params.frequencyPenalty());
        assertEquals(OptionalLong.of(-3), params.seed());
        assertEquals(List.of("a", "b"), params.stop());
        assertEquals(List.of(13), params.stopTokenIds());
        assertTrue(params.ignoreEos());
        assertEquals(5, params.topLogprobs());
        assertTrue(params.promptLogprobs(), "echo with logprobs returns the prompt's logprobs");
    }

    @Test
    void streamsServerSentEvents() {
        PreparedGeneration prepared = parse(
                "{\"prompt\": \"Hi\", \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
        assertTrue(prepared.streaming());
        assertEquals("text/event-stream; charset=utf-8", prepared.streamRenderer().contentType());
    }

    @Test
    void returnTokensAsTokenIdsRendersEveryTokenAndCandidateAsItsId() {
        PreparedGeneration prepared = parse(
                "{\"prompt\": [1, 15753], \"logprobs\": 2, \"return_tokens_as_token_ids\": true}");

        JsonNode logprobs = prepared.responseRenderer().render(Generations.TOKENS, Generations.RESULT)
                .path("choices").path(0).path("logprobs");
        assertJsonEquals("""
                {"tokens": ["token_id:22557", "token_id:1526", "token_id:2"],
                 "token_logprobs": [-0.25, -0.5, -0.125],
                 "top_logprobs": [{"token_id:22557": -0.25, "token_id:15359": -1.5},
                                  {"token_id:1526": -0.5, "token_id:3304": -2.0},
                                  {"token_id:2": -0.125, "token_id:28723": -3.0}],
                 "text_offset": [0, 5, 11]}
                """, logprobs);
    }

    @Test
    void returnTokensAsTokenIdsAppliesToStreamedLogprobsAndMustBeABoolean() {
        PreparedGeneration prepared = parse("{\"prompt\": \"Hi\", \"logprobs\": 1, \"stream\": true,"
                + " \"return_tokens_as_token_ids\": true}");
        JsonNode first = Bodies.events(prepared.streamRenderer().token(Generations.HELLO)).get(0);
        assertJsonEquals("""
                {"tokens": ["token_id:22557"], "token_logprobs": [-0.25],
                 "top_logprobs": [{"token_id:22557": -0.25, "token_id:15359": -1.5}], "text_offset": [0]}
                """, first.path("choices").path(0).path("logprobs"));

        String message = assertThrows(ApiException.class,
                () -> parse("{\"prompt\": \"Hi\", \"return_tokens_as_token_ids\": \"yes\"}")).getMessage();
        assertTrue(message.startsWith("return_tokens_as_token_ids must be a boolean"), message);
    }

    @Test
    void rejectsWhatItCannotServe() {
        assertEquals("prompt must hold one prompt, got a list of 2; send one request per prompt",
                assertThrows(ApiException.class, () -> parse("{\"prompt\": [\"a\", \"b\"]}")).getMessage());
        assertEquals("echo with logprobs is not supported when stream is true", assertThrows(ApiException.class,
                () -> parse("{\"prompt\": \"a\", \"echo\": true, \"logprobs\": 1, \"stream\": true}")).getMessage());
        assertEquals("max_tokens + prompt tokens (513) exceed max_model_len 512 (max_tokens 510, prompt tokens 3 from prompt)",
                assertThrows(ApiException.class,
                        () -> parse("{\"prompt\": \"Hello world\", \"max_tokens\": 510}")).getMessage());
        assertEquals("prompt[1] must be a token id in [0, 32000), got 32000", assertThrows(ApiException.class,
                () -> parse("{\"prompt\": [1, 32000]}")).getMessage());
    }
}
