package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.api.TinyLlama;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Structured output through real HTTP and the real worker on tiny-llama, whose random weights would never write
 * JSON on their own: each API's way of asking (OpenAI response_format, vLLM guided_*, LMI grammar, chat tools)
 * gives output that matches, streamed or not, sampled or greedy; bad grammars are 400s naming the field.
 */
class StructuredOutputTest {

    static final String PERSON = """
            {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10},
             "age": {"type": "integer", "minimum": 0, "maximum": 120},
             "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3}},
             "required": ["name", "age"], "additionalProperties": false}""";

    @TempDir
    static Path work;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.tinyLlamaWithChatTemplate(work.resolve(TinyLlama.NAME)),
                "--option.kv_cache_bytes", "16m");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void guidedRegexOutputMatchesThePattern() {
        for (int seed = 0; seed < 6; seed++) {
            String text = completion("\"guided_regex\": \"[A-Z][a-z]{1,8}-\\\\d{3}( [a-z]{1,8})?\"", seed);
            assertTrue(Pattern.matches("[A-Z][a-z]{1,8}-\\d{3}( [a-z]{1,8})?", text), text);
        }
    }

    @Test
    void guidedChoiceOutputIsOneOfTheChoices() {
        for (int seed = 0; seed < 6; seed++) {
            String text = completion("\"guided_choice\": [\"yes\", \"no\", \"not sure\"]", seed);
            assertTrue(Set.of("yes", "no", "not sure").contains(text), text);
        }
    }

    @Test
    void guidedJsonOutputValidatesAgainstItsSchema() {
        for (int seed = 0; seed < 6; seed++) {
            assertValid(PERSON, completion("\"guided_json\": " + PERSON, seed));
        }
    }

    @Test
    void chatResponseFormatJsonSchemaAndJsonObject() {
        String schema = "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"person\", \"strict\": true, "
                + "\"schema\": " + PERSON + "}}";
        assertValid(PERSON, chat("\"response_format\": " + schema, 3).path("content").asText());
        JsonNode object = TestServer.json(chat("\"response_format\": {\"type\": \"json_object\"}", 4)
                .path("content").asText());
        assertTrue(object.isObject(), object.toString());
    }

    @Test
    void lmiGrammarOfEitherTypeConstrainsTheGeneratedText() {
        JsonNode regex = server.postOk("/invocations", Requests.greedyInvocation("Hello", 40, false,
                "\"grammar\": {\"type\": \"regex\", \"value\": \"(ab|cd){2,4}!\"}"));
        assertTrue(Pattern.matches("(ab|cd){2,4}!", regex.path("generated_text").asText()), regex.toString());
        JsonNode json = server.postOk("/invocations", Requests.greedyInvocation("Hello", 200, false,
                "\"grammar\": {\"type\": \"json\", \"value\": " + PERSON + "}"));
        assertValid(PERSON, json.path("generated_text").asText());
    }

    @Test
    void aStreamedConstrainedCompletionIsTheWholeOne() {
        String body = "{\"prompt\": \"Hello\", \"max_tokens\": 200, \"temperature\": 0, \"guided_json\": " + PERSON;
        String whole = server.postOk("/v1/completions", body + "}").path("choices").path(0).path("text").asText();
        StringBuilder streamed = new StringBuilder();
        for (JsonNode event : ServerSentEvents.parse(server.post("/v1/completions", body + ", \"stream\": true}")
                .body())) {
            streamed.append(event.path("choices").path(0).path("text").asText());
        }
        assertEquals(whole, streamed.toString());
        assertValid(PERSON, whole);
    }

    @Test
    void aNamedToolChoiceReturnsItsArgumentsAsAToolCall() {
        String tools = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", "
                + "\"maxLength\": 12}}, \"required\": [\"city\"]}}}, {\"type\": \"function\", \"function\": "
                + "{\"name\": \"add\", \"parameters\": " + PERSON + "}}]";
        JsonNode reply = chatBody(tools + ", \"tool_choice\": {\"type\": \"function\", \"function\": "
                + "{\"name\": \"add\"}}", 5);
        JsonNode message = reply.path("choices").path(0).path("message");
        assertTrue(message.path("content").isNull(), message.toString());
        JsonNode call = message.path("tool_calls").path(0);
        assertEquals("function", call.path("type").asText());
        assertEquals("add", call.path("function").path("name").asText());
        assertValid(PERSON, call.path("function").path("arguments").asText());
        assertEquals("tool_calls", reply.path("choices").path(0).path("finish_reason").asText());

        JsonNode required = chatBody(tools + ", \"tool_choice\": \"required\", \"parallel_tool_calls\": false", 6)
                .path("choices").path(0).path("message").path("tool_calls");
        assertEquals(1, required.size(), required.toString());
        String name = required.path(0).path("function").path("name").asText();
        assertTrue(List.of("get_weather", "add").contains(name), name);
        assertTrue(TestServer.json(required.path(0).path("function").path("arguments").asText()).isObject());
    }

    @Test
    void aStreamedNamedToolCallAddsUpToTheWholeOne() {
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Add someone.\"}], \"max_tokens\": 200, "
                + "\"temperature\": 0, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"add\", "
                + "\"parameters\": " + PERSON + "}}], \"tool_choice\": {\"type\": \"function\", \"function\": "
                + "{\"name\": \"add\"}}";
        JsonNode whole = server.postOk("/v1/chat/completions", body + "}").path("choices").path(0).path("message")
                .path("tool_calls").path(0);
        StringBuilder arguments = new StringBuilder();
        String id = null;
        String finish = null;
        for (JsonNode event : ServerSentEvents.parse(server.post("/v1/chat/completions",
                body + ", \"stream\": true}").body())) {
            JsonNode choice = event.path("choices").path(0);
            JsonNode call = choice.path("delta").path("tool_calls").path(0);
            if (call.has("id")) {
                id = call.path("id").asText();
                assertEquals("add", call.path("function").path("name").asText());
            }
            arguments.append(call.path("function").path("arguments").asText());
            if (choice.hasNonNull("finish_reason")) {
                finish = choice.path("finish_reason").asText();
            }
        }
        assertTrue(id != null && id.startsWith("call_"), String.valueOf(id));
        assertEquals(whole.path("function").path("arguments").asText(), arguments.toString());
        assertEquals("tool_calls", finish);
    }

    @Test
    void badGrammarsAreBadRequestsThatNameTheField() {
        assertBadRequest("\"guided_regex\": \"(a\"", "guided_regex");
        assertBadRequest("\"guided_regex\": \"(a)\\\\1\"", "backreference");
        assertBadRequest("\"guided_json\": {\"type\": \"array\", \"uniqueItems\": true}", "uniqueItems");
        assertBadRequest("\"guided_json\": {\"type\": \"lists\"}", "guided_json");
        assertBadRequest("\"guided_choice\": []", "guided_choice");
        assertBadRequest("\"guided_regex\": \"a+\", \"guided_choice\": [\"a\"]", "give one of them");
        assertBadRequest("\"response_format\": {\"type\": \"yaml\"}", "response_format.type");
        assertBadRequest("\"guided_grammar\": \"root ::= \\\"a\\\"\"", "context-free grammars");
    }

    private static void assertBadRequest(String fields, String inMessage) {
        HttpResponse<String> response = server.post("/v1/completions",
                "{\"prompt\": \"Hello\", \"max_tokens\": 5, " + fields + "}");
        assertEquals(400, response.statusCode(), response.body());
        String message = TestServer.json(response.body()).path("message").asText();
        assertTrue(message.contains(inMessage), message);
    }

    private static String completion(String fields, int seed) {
        JsonNode reply = server.postOk("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 200, "
                + "\"temperature\": 1, \"seed\": " + seed + ", " + fields + "}");
        assertEquals("stop", reply.path("choices").path(0).path("finish_reason").asText(), reply.toString());
        return reply.path("choices").path(0).path("text").asText();
    }

    private static JsonNode chat(String fields, int seed) {
        JsonNode reply = chatBody(fields, seed);
        assertEquals("stop", reply.path("choices").path(0).path("finish_reason").asText(), reply.toString());
        return reply.path("choices").path(0).path("message");
    }

    private static JsonNode chatBody(String fields, int seed) {
        return server.postOk("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": "
                + "\"Describe someone.\"}], \"max_tokens\": 200, \"temperature\": 1, \"seed\": " + seed + ", "
                + fields + "}");
    }

    static void assertValid(String schema, String text) {
        Schema validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(TestServer.json(schema));
        JsonNode value = TestServer.json(text);
        assertEquals(List.of(), validator.validate(value), () -> text + " against " + schema);
    }
}
