package ai.lmi.server.api;

import static ai.lmi.server.api.Bodies.assertJsonEquals;
import static ai.lmi.server.api.Bodies.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.FinishReason;
import ai.lmi.server.generation.GenerationResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class CompletionRenderersTest {

    private static final IntFunction<String> TOKEN_TEXT = id -> TinyLlama.tokenizer().tokenText(id);

    private static CompletionOutput output(String echo, int logprobs, boolean includeUsage) {
        return new CompletionOutput("cmpl-1", 1700000000L, "tiny-llama", echo, logprobs, includeUsage, TOKEN_TEXT);
    }

    @Test
    void wholeResponseHasOpenAisShape() {
        JsonNode body = new CompletionResponseRenderer(output(null, -1, false))
                .render(Generations.TOKENS, Generations.RESULT);

        assertJsonEquals("""
                {"id": "cmpl-1", "object": "text_completion", "created": 1700000000, "model": "tiny-llama",
                 "choices": [{"index": 0, "text": "Hello world", "logprobs": null, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}}
                """, body);
    }

    @Test
    void lengthAndErrorFinishReasonsKeepTheirNames() {
        GenerationResult length = new GenerationResult(FinishReason.LENGTH, "Hello", 2, 1, List.of());
        JsonNode body = new CompletionResponseRenderer(output(null, -1, false))
                .render(List.of(Generations.HELLO), length);
        assertEquals("length", body.path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void logprobsWithEchoCoverPromptAndCompletion() {
        JsonNode body = new CompletionResponseRenderer(output("<s> Say", 1, false))
                .render(Generations.TOKENS, Generations.RESULT_WITH_PROMPT);

        JsonNode choice = body.path("choices").path(0);
        assertEquals("<s> SayHello world", choice.path("text").asText());
        assertJsonEquals("""
                {"tokens": ["<s>", " Say", " Hello", " world", "</s>"],
                 "token_logprobs": [null, -7.5, -0.25, -0.5, -0.125],
                 "top_logprobs": [null, {" The": -2.0, " Say": -7.5}, {" Hello": -0.25, " Hi": -1.5},
                                  {" world": -0.5, " World": -2.0}, {"</s>": -0.125, ".": -3.0}],
                 "text_offset": [0, 3, 7, 12, 18]}
                """, choice.path("logprobs"));
    }

    @Test
    void streamSendsTextChunksThenFinishThenUsageThenDone() {
        CompletionStreamRenderer renderer = new CompletionStreamRenderer(output(null, -1, true));
        String stream = Generations.stream(renderer, Generations.RESULT);

        assertTrue(stream.endsWith("\n\ndata: [DONE]\n\n"), stream);
        for (String event : stream.split("\n\n")) {
            assertTrue(event.startsWith("data: "), event);
        }
        List<JsonNode> events = Bodies.events(stream);
        // The EOS token has no text, so it sends nothing of its own.
        assertEquals(4, events.size());
        assertJsonEquals("""
                {"id": "cmpl-1", "object": "text_completion", "created": 1700000000, "model": "tiny-llama",
                 "choices": [{"index": 0, "text": "Hello", "logprobs": null, "finish_reason": null}],
                 "usage": null}
                """, events.get(0));
        assertEquals(" world", events.get(1).path("choices").path(0).path("text").asText());
        assertEquals("stop", events.get(2).path("choices").path(0).path("finish_reason").asText());
        assertEquals("", events.get(2).path("choices").path(0).path("text").asText());
        assertJsonEquals("""
                {"id": "cmpl-1", "object": "text_completion", "created": 1700000000, "model": "tiny-llama",
                 "choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}}
                """, events.get(3));
    }

    @Test
    void streamWithEchoAndLogprobsSendsThePromptFirstAndOffsetsFromIt() {
        CompletionStreamRenderer echo = new CompletionStreamRenderer(output("Say", -1, false));
        List<JsonNode> events = Bodies.events(Generations.stream(echo, Generations.RESULT));
        assertEquals("Say", events.get(0).path("choices").path(0).path("text").asText());
        assertTrue(events.get(0).path("usage").isMissingNode());

        CompletionStreamRenderer logprobs = new CompletionStreamRenderer(output(null, 0, false));
        List<JsonNode> withLogprobs = Bodies.events(Generations.stream(logprobs, Generations.RESULT));
        assertJsonEquals("""
                {"tokens": [" world"], "token_logprobs": [-0.5], "top_logprobs": [{" world": -0.5, " World": -2.0}],
                 "text_offset": [5]}
                """, withLogprobs.get(1).path("choices").path(0).path("logprobs"));
        assertEquals(4, withLogprobs.size(), "with logprobs even the EOS token gets its event");
    }

    @Test
    void streamErrorIsAnInBandChunkThenDone() {
        CompletionStreamRenderer renderer = new CompletionStreamRenderer(output(null, -1, false));
        renderer.token(Generations.HELLO);
        String end = renderer.error("worker died");

        assertTrue(end.endsWith("data: [DONE]\n\n"), end);
        JsonNode last = Bodies.events(end).get(0);
        assertEquals("error", last.path("choices").path(0).path("finish_reason").asText());
        assertEquals("worker died", last.path("error").path("message").asText());
    }
}
