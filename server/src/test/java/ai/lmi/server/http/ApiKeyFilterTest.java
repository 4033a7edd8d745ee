package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.config.Secret;
import ai.lmi.server.metrics.ServerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The API key filter in the real pipeline: what it lets through, what it refuses, and the connection after. */
class ApiKeyFilterTest {

    private static final String KEY = "sk-test-0123456789";
    private static final String COMPLETION = "{\"prompt\": \"Hi\"}";

    private final FakeGenerationService service = new FakeGenerationService();
    private final EmbeddedServer server =
            new EmbeddedServer(service, new ServerMetrics(), 1024, Optional.of(new Secret(KEY)));

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void aRequestWithoutTheKeyIs401AndReachesNoEndpoint() {
        server.send(HttpMethod.POST, "/v1/completions", COMPLETION).response();

        assertUnauthorized("this server requires an API key; send it as 'Authorization: Bearer <key>' or "
                + "'X-Api-Key: <key>'");
        assertTrue(service.submissions.isEmpty());
    }

    @Test
    void aMalformedBodyWithoutTheKeyIs401NotTheParsers400() {
        server.send(HttpMethod.POST, "/v1/completions", "{\"prompt\": ").response();

        assertUnauthorized("requires an API key");
    }

    @Test
    void bearerAndXApiKeyBothPass() {
        server.send(HttpMethod.POST, "/v1/completions", COMPLETION, Map.of("Authorization", "Bearer " + KEY))
                .response();
        assertEquals(200, server.status(), server.body());
        server.next().send(HttpMethod.POST, "/v1/completions", COMPLETION, Map.of("X-Api-Key", KEY)).response();
        assertEquals(200, server.status(), server.body());
        // RFC 7235: the scheme is case-insensitive.
        server.next().send(HttpMethod.GET, "/metrics", null, Map.of("Authorization", "bearer " + KEY)).response();
        assertEquals(200, server.status(), server.body());
        assertEquals(2, service.submissions.size());
    }

    @Test
    void aWrongKeyIsRefusedWithoutEchoingIt() {
        String sameLength = "sk-test-0123456780";
        for (Map<String, String> headers : List.of(Map.of("Authorization", "Bearer " + sameLength),
                Map.of("X-Api-Key", "short"), Map.of("Authorization", "Basic " + KEY), Map.of("X-Api-Key", ""))) {
            server.next().send(HttpMethod.GET, "/v1/models", null, headers).response();
            assertUnauthorized("the API key sent is not valid");
            assertFalse(server.body().contains(sameLength) || server.body().contains("short")
                    || server.body().contains(KEY), server.body());
        }
    }

    @Test
    void pingIsOpenWithoutTheKeyButOnlyForGet() {
        server.send(HttpMethod.GET, "/ping").response();
        assertEquals(200, server.status());
        server.next().send(HttpMethod.GET, "/ping/?probe=1").response();
        assertEquals(200, server.status());
        server.next().send(HttpMethod.POST, "/ping", "{}").response();
        assertUnauthorized("requires an API key");
    }

    @Test
    void unknownRoutesAre401SoThatTheyRevealNothing() {
        server.send(HttpMethod.GET, "/no/such/route").response();
        assertUnauthorized("requires an API key");
    }

    @Test
    void theConnectionServesOnAfterARefusedBody() {
        server.send(HttpMethod.POST, "/v1/completions", "{\"prompt\": \"" + "x".repeat(500) + "\"}").response();
        assertUnauthorized("requires an API key");
        assertTrue(server.server.isOpen());

        server.next().send(HttpMethod.POST, "/v1/completions", COMPLETION, Map.of("X-Api-Key", KEY)).response();
        assertEquals(200, server.status(), server.body());
    }

    @Test
    void aRefusedBodyIsNotBufferedSoItsSizeDoesNotMatter() {
        // Over max_payload_bytes (1024 here): without the key the answer is 401, never the aggregator's 413.
        server.send(HttpMethod.POST, "/v1/completions", "{\"prompt\": \"" + "x".repeat(5000) + "\"}").response();
        assertUnauthorized("requires an API key");
        assertTrue(server.server.isOpen());
    }

    @Test
    void aRefusedExpectContinueClosesTheConnection() {
        server.sendRaw("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 20\r\nExpect: 100-continue\r\n\r\n").response();

        assertUnauthorized("requires an API key");
        assertEquals("close", server.header(HttpHeaderNames.CONNECTION));
        assertFalse(server.server.isOpen());
    }

    private void assertUnauthorized(String messagePart) {
        assertEquals(401, server.status(), server.body());
        assertEquals("Bearer", server.header(HttpHeaderNames.WWW_AUTHENTICATE));
        JsonNode error = server.json();
        assertEquals(401, error.path("code").asInt());
        assertEquals("Unauthorized", error.path("type").asText());
        assertTrue(error.path("message").asText().contains(messagePart), error.toString());
    }
}
