package ai.lmi.server.e2e;

import static ai.lmi.server.e2e.ErrorResponses.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real server with {@code option.api_key}, its worker and a real HTTP client: every route of both listeners but
 * {@code GET /ping} refuses a request without the key, before any parser or the engine sees it; the key passes as a
 * Bearer token or as {@code X-Api-Key}; the management routes answer on their own listener only.
 */
class ApiKeyTest extends SharedServerTest {

    private static final String KEY = "lmi-test-key-5f3a9c";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String COMPLETION = "{\"prompt\": \"Hello\", \"max_tokens\": 2, \"temperature\": 0}";

    @Override
    TestServer start(Path work) {
        return TestServer.startWithKey(TestServer.tinyLlama(), KEY, "--option.kv_cache_bytes", "16m");
    }

    /** Method, listener, path and body (null: none) of every route, and of a path no route has. */
    static Stream<Arguments> routes() {
        String invocation = "{\"inputs\": \"Hello\", \"parameters\": {\"max_new_tokens\": 2}}";
        String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}";
        return Stream.of(
                route("GET", false, "/v1/models", null),
                route("GET", false, "/v1/models/tiny-llama", null),
                route("GET", false, "/metrics", null),
                route("POST", false, "/invocations", invocation),
                route("POST", false, "/predictions/tiny-llama", invocation),
                route("POST", false, "/v1/completions", COMPLETION),
                route("POST", false, "/v1/chat/completions", chat),
                route("POST", false, "/v1/embeddings", "{\"input\": \"Hi\"}"),
                route("GET", false, "/models", null),
                route("POST", false, "/ping", "{}"),
                route("GET", false, "/no-such-route", null),
                route("GET", true, "/models", null),
                route("GET", true, "/models/tiny-llama", null));
    }

    private static Arguments route(String method, boolean management, String path, String body) {
        return Arguments.of(method, management, path, body);
    }

    @ParameterizedTest(name = "{0} {2} (management: {1})")
    @MethodSource("routes")
    void everyRouteButGetPingIs401WithoutTheKey(String method, boolean management, String path, String body) {
        HttpResponse<String> response = server.send(request(method, management, path, body, Map.of()));

        assertUnauthorized(response, "this server requires an API key; send it as 'Authorization: Bearer <key>' "
                + "or 'X-Api-Key: <key>'");
    }

    @ParameterizedTest(name = "{0} {2} (management: {1})")
    @MethodSource("routes")
    void aWrongKeyOfTheSameLengthOrAnotherIs401OnEveryRoute(String method, boolean management, String path,
            String body) {
        String sameLength = KEY.substring(0, KEY.length() - 1) + "d";
        for (Map<String, String> wrong : List.of(Map.of("Authorization", "Bearer " + sameLength),
                Map.of("X-Api-Key", sameLength), Map.of("Authorization", "Bearer " + KEY + "0"),
                Map.of("X-Api-Key", "k"))) {
            HttpResponse<String> response = server.send(request(method, management, path, body, wrong));
            assertUnauthorized(response, "the API key sent is not valid");
            assertFalse(response.body().contains(sameLength) || response.body().contains(KEY), response.body());
        }
    }

    @Test
    void pingIsOpenWithoutTheKey() {
        HttpResponse<String> ping = server.send(request("GET", false, "/ping", null, Map.of()));

        assertEquals(200, ping.statusCode(), ping.body());
        assertEquals("{\"status\":\"Healthy\"}", ping.body());
    }

    @Test
    void bearerAndXApiKeyBothGetTheSameGreedyCompletion() {
        HttpResponse<String> bearer = server.send(
                request("POST", false, "/v1/completions", COMPLETION, Map.of("Authorization", "Bearer " + KEY)));
        HttpResponse<String> xApiKey =
                server.send(request("POST", false, "/v1/completions", COMPLETION, Map.of("X-Api-Key", KEY)));

        assertEquals(200, bearer.statusCode(), bearer.body());
        assertEquals(200, xApiKey.statusCode(), xApiKey.body());
        JsonNode first = TestServer.json(bearer.body()).path("choices").path(0);
        assertEquals(2, TestServer.json(bearer.body()).path("usage").path("completion_tokens").asInt());
        assertEquals(first.path("text"), TestServer.json(xApiKey.body()).path("choices").path(0).path("text"));
    }

    @Test
    void refusedRequestsReachNeitherTheParsersNorTheEngine() {
        double counted = requestsCounted();
        HttpResponse<String> malformed =
                server.send(request("POST", false, "/v1/completions", "{\"prompt\": ", Map.of()));
        HttpResponse<String> tooLong = server.send(request("POST", false, "/v1/completions",
                "{\"prompt\": \"Hello\", \"max_tokens\": 100000}", Map.of("X-Api-Key", "wrong")));

        assertUnauthorized(malformed, "requires an API key");
        assertUnauthorized(tooLong, "not valid");
        assertEquals(counted, requestsCounted(), "lmi_requests_total counts every request an endpoint saw");
    }

    @Test
    void managementRoutesAnswerOnTheManagementListenerOnly() {
        HttpResponse<String> described = server.getManagement("/models/tiny-llama");
        assertEquals(200, described.statusCode(), described.body());
        JsonNode config = TestServer.json(described.body()).path("config");
        assertEquals("****", config.path("option.api_key").path("value").asText(), "the key is redacted");
        assertEquals("command line", config.path("option.api_key").path("source").asText());
        assertFalse(described.body().contains(KEY), described.body());
        assertEquals("tiny-llama", TestServer.json(server.getManagement("/models").body()).path("models").path(0)
                .path("modelName").asText());

        assertError(server.get("/models"), 404, "GET /models is served on the management listener "
                + "(management_address), not on this port");
        assertError(server.get("/models/tiny-llama"), 404, "is served on the management listener");
        HttpResponse<String> inference = server.send(server.request(server.managementUri("/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(COMPLETION)).build());
        assertError(inference, 404, "no route for POST /v1/completions");
    }

    private double requestsCounted() {
        return server.metric("lmi_requests_total", "status=\"200\"") + server.metric("lmi_requests_total",
                "status=\"400\"");
    }

    private HttpRequest request(String method, boolean management, String path, String body,
            Map<String, String> headers) {
        URI uri = management ? server.managementUri(path) : server.uri(path);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        headers.forEach(builder::header);
        return builder.build();
    }

    private static void assertUnauthorized(HttpResponse<String> response, String message) {
        assertError(response, 401, message);
        assertEquals("Bearer", response.headers().firstValue("www-authenticate").orElse(""));
    }
}
