package ai.lmi.server.e2e;

import static ai.lmi.server.e2e.ErrorResponses.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed requests to the real server get the right 4xx and an error naming the field; it serves on after them. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MalformedRequestsOverSocketTest {

    private static final int PAYLOAD_LIMIT = 64 * 1024;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--max_payload_bytes", Integer.toString(PAYLOAD_LIMIT));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Path, body, expected status, and what the message must contain (the field, as the client wrote it). */
    static Stream<Arguments> malformedPosts() {
        String completions = "/v1/completions";
        String invocations = "/invocations";
        String chat = "/v1/chat/completions";
        return Stream.of(
                bad(completions, "{\"prompt\": ", 400, "not valid JSON"),
                bad(completions, "[1, 2]", 400, "must be a JSON object"),
                bad(completions, "", 400, "body is empty"),
                bad(completions, "{}", 400, "prompt is required"),
                bad(completions, "{\"prompt\": 5}", 400, "prompt must be"),
                bad(completions, "{\"prompt\": \"\"}", 400, "prompt must not be empty"),
                bad(completions, "{\"prompt\": [1, 32000]}", 400, "prompt[1] must be a token id"),
                bad(completions, "{\"prompt\": [\"a\", \"b\"]}", 400, "prompt must hold one prompt"),
                bad(completions, "{\"prompt\": \"hi\", \"max_tokens\": 0}", 400, "max_tokens must be >= 1"),
                bad(completions, "{\"prompt\": \"hi\", \"max_tokens\": \"ten\"}", 400, "max_tokens must be an integer"),
                bad(completions, "{\"prompt\": \"Hello world\", \"max_tokens\": 600}", 400, "max_model_len 512"),
                bad(completions, "{\"prompt\": \"hi\", \"temperature\": -1}", 400, "temperature must be >= 0"),
                bad(completions, "{\"prompt\": \"hi\", \"top_p\": 0}", 400, "top_p must be"),
                bad(completions, "{\"prompt\": \"hi\", \"top_k\": -2}", 400, "top_k must be >= -1"),
                bad(completions, "{\"prompt\": \"hi\", \"logprobs\": 21}", 400, "logprobs must be between 0 and 20"),
                bad(completions, "{\"prompt\": \"hi\", \"stop\": [1]}", 400, "stop[0] must be a string"),
                bad(completions, "{\"prompt\": \"hi\", \"stream\": \"yes\"}", 400, "stream must be a boolean"),
                bad(completions, "{\"prompt\": \"hi\", \"n\": 2}", 400, "n must be 1"),
                bad(completions, "{\"prompt\": \"hi\", \"stop_token_ids\": [99999]}", 400, "stop_token_ids[0]"),
                bad(completions, "{\"prompt\": \"hi\", \"stream_options\": {\"include_usage\": true}}", 400,
                        "stream_options is only allowed when stream is true"),
                bad(completions, "{\"prompt\": \"hi\", \"return_tokens_as_token_ids\": 1}", 400,
                        "return_tokens_as_token_ids must be a boolean"),
                bad(invocations, "{\"parameters\": {}}", 400, "inputs is required"),
                bad(invocations, "{\"inputs\": \"\"}", 400, "inputs must not be empty"),
                bad(invocations, "{\"inputs\": \"hi\", \"parameters\": [1]}", 400, "parameters must be an object"),
                bad(invocations, "{\"inputs\": \"hi\", \"parameters\": {\"temperature\": -1}}", 400,
                        "parameters.temperature must be >= 0"),
                bad(invocations, "{\"inputs\": \"hi\", \"parameters\": {\"max_new_tokens\": 0}}", 400,
                        "parameters.max_new_tokens must be >= 1"),
                bad(invocations, "{\"inputs\": \"hi\", \"parameters\": {\"top_n_tokens\": 50}}", 400,
                        "parameters.top_n_tokens must be between 0 and 20"),
                bad(invocations, "{\"inputs\": \"hi\", \"parameters\": {\"seed\": 1.5}}", 400,
                        "parameters.seed must be an integer"),
                bad(invocations, "{\"inputs\": \"hi\", \"stream\": true, \"parameters\": {\"decoder_input_details\":"
                        + " true}}", 400, "parameters.decoder_input_details"),
                bad(chat, "{\"messages\": []}", 400, "messages must not be empty"),
                bad(chat, "{\"messages\": [{\"content\": \"hi\"}]}", 400, "messages[0].role is required"),
                bad(chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, "chat_template"),
                bad("/v1/embeddings", "{\"input\": \"hi\"}", 400,
                        "it serves option.task=text-generation, and /v1/embeddings needs option.task=text-embedding"),
                bad("/predictions/not-this-model", "{\"inputs\": \"hi\"}", 404, "not-this-model"),
                bad("/v1/no-such-route", "{}", 404, "/v1/no-such-route"));
    }

    private static Arguments bad(String path, String body, int status, String message) {
        return Arguments.of(path, body, status, message);
    }

    @Order(1)
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("malformedPosts")
    void malformedPostGetsItsStatusAndAMessageNamingTheField(String path, String body, int status, String message) {
        assertError(server.post(path, body), status, message);
    }

    @Order(1)
    @Test
    void wrongMethodIs405WithTheAllowedOne() {
        HttpResponse<String> response = server.get("/v1/completions");
        assertError(response, 405, "GET");
        assertEquals("POST", response.headers().firstValue("allow").orElse(""));
    }

    @Order(1)
    @Test
    void bodyOverMaxPayloadBytesIs413BeforeItIsSent() {
        // By hand: java.net.http (JDK 17) waits forever for a 100 Continue when the answer is a final status.
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.postHeadExpectingContinue("/v1/completions", PAYLOAD_LIMIT + 1);
            String response = connection.readToEnd();
            assertTrue(response.startsWith("HTTP/1.1 413 "), response);
            JsonNode error = TestServer.json(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertEquals(413, error.path("code").asInt(), response);
            assertTrue(error.path("message").asText().contains("max_payload_bytes"), response);
        }
    }

    @Order(2)
    @Test
    void theServerStillServesAfterwards() {
        Golden golden = Golden.cases().get(0);
        JsonNode choice = server.postOk("/v1/completions",
                Requests.greedyCompletion(golden.promptIds(), golden.outputIds().length, "")).path("choices").path(0);
        assertEquals(golden.outputText(), choice.path("text").asText());
        assertEquals(200, server.get("/ping").statusCode());
    }
}
