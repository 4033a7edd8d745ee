package ai.lmi.server.api;

import static ai.lmi.server.api.Bodies.assertJsonEquals;
import static ai.lmi.server.api.Bodies.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LmiRenderersTest {

    private static final LmiOutput PLAIN = new LmiOutput("Say", false, false, false, 0);

    @Test
    void wholeResponseWithoutDetailsIsJustTheText() {
        JsonNode body = new LmiResponseRenderer(PLAIN).render(Generations.TOKENS, Generations.RESULT);
        assertEquals(json("{\"generated_text\": \"Hello world\"}"), body);
    }

    @Test
    void wholeResponseWithDetailsMatchesTheLmiSchema() {
        LmiOutput output = new LmiOutput("Say", true, true, true, 2);
        JsonNode body = new LmiResponseRenderer(output).render(Generations.TOKENS, Generations.RESULT_WITH_PROMPT);

        assertJsonEquals("""
                {"generated_text": "SayHello world",
                 "details": {"finish_reason": "eos_token", "generated_tokens": 3, "inputs": "Say",
                   "tokens": [{"id": 22557, "text": "Hello", "log_prob": -0.25},
                              {"id": 1526, "text": " world", "log_prob": -0.5},
                              {"id": 2, "text": "", "log_prob": -0.125, "special_token": true}],
                   "prefill": [{"id": 1, "text": "<s>", "log_prob": null},
                               {"id": 15753, "text": " Say", "log_prob": -7.5}],
                   "top_tokens": [
                     [{"id": 22557, "text": " Hello", "log_prob": -0.25}, {"id": 15359, "text": " Hi", "log_prob": -1.5}],
                     [{"id": 1526, "text": " world", "log_prob": -0.5}, {"id": 3304, "text": " World", "log_prob": -2.0}],
                     [{"id": 2, "text": "</s>", "log_prob": -0.125}, {"id": 28723, "text": ".", "log_prob": -3.0}]]}}
                """, body);
    }

    @Test
    void streamSendsOneTokenPerLineAndTheLastAddsTextAndDetails() {
        String stream = Generations.stream(new LmiStreamRenderer(PLAIN), Generations.RESULT);

        assertTrue(stream.endsWith("\n"));
        List<JsonNode> lines = Arrays.stream(stream.split("\n")).map(Bodies::json).toList();
        assertEquals(3, lines.size());
        assertEquals(json("{\"token\": {\"id\": 22557, \"text\": \"Hello\", \"log_prob\": -0.25}}"), lines.get(0));
        assertEquals(json("{\"token\": {\"id\": 1526, \"text\": \" world\", \"log_prob\": -0.5}}"), lines.get(1));
        assertJsonEquals("""
                {"token": {"id": 2, "text": "", "log_prob": -0.125, "special_token": true},
                 "generated_text": "Hello world",
                 "details": {"finish_reason": "eos_token", "generated_tokens": 3, "inputs": "Say"}}
                """, lines.get(2));
        String concatenated = lines.stream().map(line -> line.path("token").path("text").asText()).reduce("", String::concat);
        assertEquals("Hello world", concatenated);
    }

    @Test
    void streamSendsEachLineAtOnceAndHoldsOnlyTheLast() {
        LmiStreamRenderer renderer = new LmiStreamRenderer(PLAIN);
        assertEquals("", renderer.start());
        String first = renderer.token(Generations.HELLO);
        assertEquals(json("{\"token\": {\"id\": 22557, \"text\": \"Hello\", \"log_prob\": -0.25}}"), json(first));
        renderer.token(Generations.WORLD);
        assertEquals("", renderer.token(Generations.EOS));
        JsonNode last = json(renderer.finish(Generations.RESULT));
        assertEquals(2, last.path("token").path("id").asInt());
        assertEquals("eos_token", last.path("details").path("finish_reason").asText());
    }

    @Test
    void streamWithTopNTokensAddsThemToEveryLine() {
        String stream = Generations.stream(new LmiStreamRenderer(new LmiOutput("Say", false, false, false, 2)),
                Generations.RESULT);
        for (String line : stream.split("\n")) {
            assertEquals(2, json(line).path("top_tokens").size(), line);
        }
    }

    @Test
    void streamErrorEndsWithAnErrorLine() {
        LmiStreamRenderer renderer = new LmiStreamRenderer(PLAIN);
        renderer.token(Generations.HELLO);
        String[] lines = renderer.error("worker died").split("\n");

        assertEquals(1, lines.length);
        JsonNode last = json(lines[0]);
        assertEquals(-1, last.path("token").path("id").asInt());
        assertEquals("error", last.path("details").path("finish_reason").asText());
        assertEquals(1, last.path("details").path("generated_tokens").asInt());
        assertEquals("Hello", last.path("generated_text").asText());
        assertEquals("worker died", last.path("error").asText());
        assertFalse(last.path("token").path("text").asText().length() > 0);
    }
}
