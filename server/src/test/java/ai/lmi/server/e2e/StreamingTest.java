package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streamed responses, LMI JSON lines and OpenAI server-sent events, carry exactly the non-streamed text. */
class StreamingTest extends TinyLlamaServerTest {

    @Test
    void lmiJsonLinesConcatenateToTheNonStreamedTextAndEndWithDetails() {
        // The golden prompts' outputs hold multi-byte characters that span several tokens.
        for (Golden golden : Golden.cases()) {
            String inputs = golden.prompt();
            JsonNode whole = server.postOk("/invocations", Requests.greedyInvocation(inputs, 40, false));
            String expected = whole.path("generated_text").asText();
            assertTrue(expected.startsWith(golden.outputText()), expected);

            HttpResponse<String> response = server.post("/invocations", Requests.greedyInvocation(inputs, 40, true));
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("application/jsonlines", response.headers().firstValue("content-type").orElse(""));
            List<JsonNode> lines = new ArrayList<>();
            for (String line : response.body().split("\n")) {
                lines.add(TestServer.json(line));
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                JsonNode line = lines.get(i);
                assertTrue(line.path("token").has("id"), line.toString());
                text.append(line.path("token").path("text").asText());
                assertEquals(i == lines.size() - 1, line.has("generated_text"), "line " + i + ": " + line);
            }
            assertEquals(expected, text.toString(), inputs);
            JsonNode last = lines.get(lines.size() - 1);
            assertEquals(expected, last.path("generated_text").asText());
            assertEquals(whole.path("details").path("finish_reason"), last.path("details").path("finish_reason"));
            assertEquals(whole.path("details").path("generated_tokens"),
                    last.path("details").path("generated_tokens"));
            assertEquals(lines.size(), last.path("details").path("generated_tokens").asInt());
        }
    }

    @Test
    void completionEventsConcatenateToTheNonStreamedTextAndEndWithDone() {
        for (Golden golden : Golden.cases()) {
            String request = Requests.greedyCompletion(golden.promptIds(), 40, "\"ignore_eos\": true");
            JsonNode whole = server.postOk("/v1/completions", request).path("choices").path(0);

            HttpResponse<String> response = server.post("/v1/completions",
                    request.replaceFirst("}$", ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}"));
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            List<JsonNode> events = ServerSentEvents.parse(response.body());
            StringBuilder text = new StringBuilder();
            for (JsonNode event : events) {
                assertEquals("text_completion", event.path("object").asText(), event.toString());
                for (JsonNode choice : event.path("choices")) {
                    text.append(choice.path("text").asText());
                }
            }
            assertEquals(whole.path("text").asText(), text.toString());
            assertEquals(golden.outputText(), text.substring(0, golden.outputText().length()));
            JsonNode finish = events.get(events.size() - 2).path("choices").path(0);
            assertEquals("length", finish.path("finish_reason").asText());
            JsonNode usage = events.get(events.size() - 1).path("usage");
            assertEquals(40, usage.path("completion_tokens").asInt(), usage.toString());
            assertEquals(golden.promptIds().length, usage.path("prompt_tokens").asInt());
        }
    }

    @Test
    void chatStreamingOnAModelWithoutChatTemplateIsABadRequestNotAStream() {
        HttpResponse<String> response = server.post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"stream\": true}");

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
        JsonNode error = TestServer.json(response.body());
        assertTrue(error.path("message").asText().contains("chat_template"), response.body());
        assertFalse(response.body().contains("data:"), response.body());
    }
}
