package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.metrics.ServerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed requests get 400 with a message that names the field; the connection keeps serving. */
class MalformedRequestsTest {

    private static final FakeGenerationService SERVICE = new FakeGenerationService();
    private static final ServerMetrics METRICS = new ServerMetrics();
    /** One connection for every case: a bad request must not break the next one. */
    private static final EmbeddedServer SERVER = new EmbeddedServer(SERVICE, METRICS);

    @AfterAll
    static void close() {
        SERVER.close();
    }

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                bad("/v1/completions", "{\"prompt\": ", "request body is not valid JSON"),
                bad("/v1/completions", "{\"prompt\": \"hi\"} {}", "request body is not valid JSON"),
                bad("/v1/completions", "", "request body is empty; expected a JSON object"),
                bad("/v1/completions", "[1, 2]", "request body must be a JSON object, got [1,2]"),
                bad("/v1/completions", "{}", "prompt is required"),
                bad("/v1/completions", "{\"prompt\": 5}",
                        "prompt must be a string, a list of token ids, or a list of strings, got 5"),
                bad("/v1/completions", "{\"prompt\": [1, \"a\"]}",
                        "prompt must be a string, a list of token ids, or a list of strings, got [1,\"a\"]"),
                bad("/v1/completions", "{\"prompt\": \"\"}", "prompt must not be empty"),
                bad("/v1/completions", "{\"prompt\": [1, -5]}", "prompt[1] must be a token id in [0, 32000), got -5"),
                bad("/v1/completions", "{\"prompt\": [\"a\", \"b\", \"c\"]}",
                        "prompt must hold one prompt, got a list of 3; send one request per prompt"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 0}", "max_tokens must be >= 1, got 0"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": \"ten\"}",
                        "max_tokens must be an integer, got \"ten\""),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 2.5}", "max_tokens must be an integer, got 2.5"),
                bad("/v1/completions", "{\"prompt\": \"Hello world\", \"max_tokens\": 600}",
                        "max_tokens + prompt tokens (603) exceed max_model_len 512"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"temperature\": -1}", "temperature must be >= 0, got -1"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"temperature\": \"hot\"}",
                        "temperature must be a number, got \"hot\""),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 0}", "top_p must be > 0 and <= 1, got 0"),
                // The worker samples in float32: a value must stay finite and within bounds once cast.
                bad("/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 1e-300}",
                        "top_p must be > 0 and <= 1, got 1.0E-300"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 1.0000000000000002}",
                        "top_p must be > 0 and <= 1, got 1.0000000000000002"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"temperature\": 1e308}",
                        "temperature must be a finite number of at most 3.4028235E38 in magnitude, got 1.0E308"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"repetition_penalty\": 1e-50}",
                        "repetition_penalty must be > 0, got 1.0E-50"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"top_k\": -2}", "top_k must be >= -1, got -2"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"min_p\": 1.5}", "min_p must be between 0 and 1, got 1.5"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"presence_penalty\": 3}",
                        "presence_penalty must be between -2 and 2, got 3"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"n\": 2}", "n must be 1 (one choice per request), got 2"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"logprobs\": 21}", "logprobs must be between 0 and 20, got 21"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"stop\": [1]}", "stop[0] must be a string, got 1"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"stop\": \"\"}", "stop must not be empty"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"stream\": \"yes\"}", "stream must be a boolean, got \"yes\""),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"stream_options\": {\"include_usage\": true}}",
                        "stream_options is only allowed when stream is true"),
                bad("/v1/completions", "{\"prompt\": \"hi\", \"stop_token_ids\": [99999]}",
                        "stop_token_ids[0] must be between 0 and 31999, got 99999"),
                bad("/invocations", "{\"parameters\": {}}", "inputs is required (or messages, for OpenAI's chat schema)"),
                bad("/invocations", "{\"inputs\": \"\"}", "inputs must not be empty"),
                bad("/invocations", "{\"inputs\": [\"a\", \"b\"]}",
                        "inputs must be a string (one prompt per request), got [\"a\",\"b\"]"),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": \"x\"}", "parameters must be an object, got \"x\""),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": {\"temperature\": -1}}",
                        "parameters.temperature must be >= 0, got -1"),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": {\"max_new_tokens\": 0}}",
                        "parameters.max_new_tokens must be >= 1, got 0"),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": {\"top_n_tokens\": 50}}",
                        "parameters.top_n_tokens must be between 0 and 20, got 50"),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": {\"repetition_penalty\": 0}}",
                        "parameters.repetition_penalty must be > 0, got 0"),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": {\"seed\": 1.5}}",
                        "parameters.seed must be an integer, got 1.5"),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": {\"do_sample\": \"true\"}}",
                        "parameters.do_sample must be a boolean, got \"true\""),
                bad("/invocations", "{\"inputs\": \"hi\", \"parameters\": {\"stop_sequences\": [\"a\", 2]}}",
                        "parameters.stop_sequences[1] must be a string, got 2"),
                bad("/v1/chat/completions", "{\"messages\": \"hi\"}", "messages must be a list of messages, got \"hi\""),
                bad("/v1/chat/completions", "{\"messages\": []}", "messages must not be empty"),
                bad("/v1/chat/completions", "{}", "messages is required"),
                bad("/v1/chat/completions", "{\"messages\": [{\"content\": \"hi\"}]}", "messages[0].role is required"),
                bad("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": 7}]}",
                        "messages[0].content must be a string or a list of text parts, got 7"),
                bad("/v1/chat/completions",
                        "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}",
                        "messages[0].content[0].type must be \"text\" (the only part type served), got \"image_url\""),
                bad("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"logprobs\": 1}",
                        "logprobs must be a boolean, got 1"),
                bad("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], "
                        + "\"max_completion_tokens\": 4, \"max_tokens\": \"x\"}", "max_tokens must be an integer, got \"x\""),
                bad("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                        "model tiny-llama has no chat_template"),
                bad("/invocations", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                        "model tiny-llama has no chat_template"));
    }

    private static Arguments bad(String path, String body, String message) {
        return Arguments.of(path, body, message);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("malformedRequests")
    void isABadRequestNamingTheField(String path, String body, String message) {
        SERVER.next().post(path, body).response();

        assertEquals(400, SERVER.status(), SERVER.body());
        JsonNode error = SERVER.json();
        assertEquals(400, error.path("code").asInt());
        assertEquals("BadRequest", error.path("type").asText());
        assertTrue(error.path("message").asText().startsWith(message),
                "expected a message starting with <" + message + ">, got <" + error.path("message").asText() + ">");
        assertTrue(SERVER.server.isOpen(), "a bad request must not close the connection");
    }

    @Test
    void aBodyOfInvalidUtf8IsABadRequest() {
        // Bytes ED A0 80: a UTF-16 surrogate encoded as if it were a character, which Jackson alone lets through.
        String body = "{\"prompt\": \"a\u00ed\u00a0\u0080\"}";
        SERVER.next().sendRaw("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body).response();

        assertEquals(400, SERVER.status(), SERVER.body());
        assertEquals("request body is not valid UTF-8", SERVER.json().path("message").asText());
    }

    @Test
    void theServerKeepsServingAfterBadRequests() {
        SERVER.next().post("/v1/completions", "{\"prompt\": 5}").response();
        assertEquals(400, SERVER.status());
        SERVER.next().post("/v1/completions", "{\"prompt\": \"Hello\"}").response();
        assertEquals(200, SERVER.status());
        SERVER.next().send(HttpMethod.GET, "/ping").response();
        assertEquals(200, SERVER.status());
        assertTrue(SERVICE.submissions.size() >= 1);
    }
}
