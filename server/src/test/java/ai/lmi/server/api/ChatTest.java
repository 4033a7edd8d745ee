package ai.lmi.server.api;

import static ai.lmi.server.api.Bodies.body;
import static ai.lmi.server.api.Bodies.assertJsonEquals;
import static ai.lmi.server.api.Bodies.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatTest {

    private final ChatRequestParser parser = new ChatRequestParser();

    private PreparedGeneration parse(String json) {
        return parser.parse(body(json), TinyLlama.chatModel());
    }

    private static ChatOutput output(boolean logprobs, boolean includeUsage) {
        return new ChatOutput("chatcmpl-1", 1700000000L, "tiny-llama", logprobs, includeUsage,
                id -> TinyLlama.tokenizer().tokenText(id), ChatTools.NONE);
    }

    @Test
    void rendersMessagesWithTheChatTemplateAndLetsTheModelFillItsContext() {
        PreparedGeneration prepared = parse("""
                {"messages": [{"role": "system", "content": "Be brief."},
                              {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]}]}
                """);

        String expectedPrompt = "<|system|>\nBe brief.</s>\n<|user|>\nHi\nthere</s>\n<|assistant|>\n";
        int[] expectedIds = TinyLlama.chatTokenizer().encode(expectedPrompt, false);
        assertArrayEquals(expectedIds, prepared.request().promptIds());
        SamplingParams params = prepared.request().params();
        assertEquals(TinyLlama.MAX_MODEL_LEN - expectedIds.length, params.maxNewTokens());
        assertEquals(1.0, params.temperature());
        assertFalse(prepared.streaming());
        assertTrue(prepared.request().requestId().startsWith("chatcmpl-"));
    }

    @Test
    void maxCompletionTokensWinsAndTopLogprobsNeedLogprobs() {
        SamplingParams params = parse("""
                {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 9, "max_completion_tokens": 4,
                 "logprobs": true, "top_logprobs": 2}
                """).request().params();
        assertEquals(4, params.maxNewTokens());
        assertEquals(2, params.topLogprobs());

        assertEquals("top_logprobs requires logprobs to be true", assertThrows(ApiException.class,
                () -> parse("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"top_logprobs\": 2}"))
                .getMessage());
    }

    @Test
    void aModelWithoutChatTemplateIsABadRequest() {
        ApiException error = assertThrows(ApiException.class, () -> parser.parse(
                body("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"), TinyLlama.model()));
        assertEquals(ErrorType.BAD_REQUEST, error.type());
        assertTrue(error.getMessage().contains("has no chat_template"), error.getMessage());
    }

    @Test
    void wholeResponseHasOpenAisShape() {
        JsonNode body = new ChatResponseRenderer(output(true, false)).render(
                List.of(Generations.HELLO, Generations.WORLD), Generations.RESULT);

        assertEquals("chat.completion", body.path("object").asText());
        JsonNode choice = body.path("choices").path(0);
        assertEquals(json("{\"role\": \"assistant\", \"content\": \"Hello world\"}"), choice.path("message"));
        assertEquals("stop", choice.path("finish_reason").asText());
        assertJsonEquals("""
                {"token": " world", "logprob": -0.5, "bytes": [32, 119, 111, 114, 108, 100],
                 "top_logprobs": [{"token": " world", "logprob": -0.5, "bytes": [32, 119, 111, 114, 108, 100]},
                                  {"token": " World", "logprob": -2.0, "bytes": [32, 87, 111, 114, 108, 100]}]}
                """, choice.path("logprobs").path("content").path(1));
        assertEquals(json("{\"prompt_tokens\": 2, \"completion_tokens\": 3, \"total_tokens\": 5}"), body.path("usage"));
    }

    @Test
    void streamStartsWithTheRoleAndEndsWithFinishUsageAndDone() {
        String stream = Generations.stream(new ChatStreamRenderer(output(false, true)), Generations.RESULT);

        assertTrue(stream.endsWith("data: [DONE]\n\n"));
        List<JsonNode> events = Bodies.events(stream);
        assertEquals(5, events.size());
        assertJsonEquals("""
                {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": "tiny-llama",
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": null,
                              "finish_reason": null}],
                 "usage": null}
                """, events.get(0));
        assertEquals(json("{\"content\": \"Hello\"}"), events.get(1).path("choices").path(0).path("delta"));
        assertEquals(json("{\"content\": \" world\"}"), events.get(2).path("choices").path(0).path("delta"));
        assertEquals(json("{}"), events.get(3).path("choices").path(0).path("delta"));
        assertEquals("stop", events.get(3).path("choices").path(0).path("finish_reason").asText());
        assertEquals(5, events.get(4).path("usage").path("total_tokens").asInt());
        assertEquals(0, events.get(4).path("choices").size());
    }

    @Test
    void streamErrorIsAnInBandChunkThenDone() {
        ChatStreamRenderer renderer = new ChatStreamRenderer(output(false, false));
        renderer.start();
        String end = renderer.error("worker died");
        JsonNode last = Bodies.events(end).get(0);
        assertEquals("error", last.path("choices").path(0).path("finish_reason").asText());
        assertEquals("worker died", last.path("error").path("message").asText());
        assertTrue(end.endsWith("data: [DONE]\n\n"));
    }
}
