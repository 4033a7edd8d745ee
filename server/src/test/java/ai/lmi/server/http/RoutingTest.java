package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.metrics.ServerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingTest {

    private final FakeGenerationService service = new FakeGenerationService();
    private final ServerMetrics metrics = new ServerMetrics();
    private final EmbeddedServer server = new EmbeddedServer(service, metrics, 1024);

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void pingIsHealthyWhenTheModelIsReady() {
        server.send(HttpMethod.GET, "/ping?verbose=1").response();
        assertEquals(200, server.status());
        assertEquals("application/json", server.header(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("{\"status\":\"Healthy\"}", server.body());
    }

    @Test
    void pingIs503WithRetryAfterWhileTheModelIsNotReady() {
        service.ready = false;
        server.send(HttpMethod.GET, "/ping").response();
        assertEquals(503, server.status());
        assertEquals("10", server.header(HttpHeaderNames.RETRY_AFTER));
        assertError(503, "ServiceUnavailable", "model tiny-llama is not ready");
    }

    @Test
    void unknownPathIs404() {
        server.send(HttpMethod.GET, "/v2/everything").response();
        assertError(404, "NotFound", "no route for GET /v2/everything");
    }

    @Test
    void wrongMethodIs405WithAllow() {
        server.send(HttpMethod.DELETE, "/ping").response();
        assertError(405, "MethodNotAllowed", "method DELETE is not allowed on /ping; allowed: GET");
        assertEquals("GET", server.header(HttpHeaderNames.ALLOW));

        server.next().send(HttpMethod.GET, "/v1/completions").response();
        assertEquals(405, server.status());
        assertEquals("POST", server.header(HttpHeaderNames.ALLOW));
    }

    @Test
    void bodyOverTheLimitIs413AndClosesTheConnection() {
        server.post("/v1/completions", "{\"prompt\": \"" + "x".repeat(2000) + "\"}").response();
        assertError(413, "PayloadTooLarge", "request body exceeds the limit of 1024 bytes");
        assertEquals("close", server.header(HttpHeaderNames.CONNECTION));
        assertFalse(server.server.isOpen());
        assertTrue(service.submissions.isEmpty());
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        String chunk = "x".repeat(800);
        server.sendRaw("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n").response();
        assertError(413, "PayloadTooLarge", "exceeds the limit of 1024 bytes");
    }

    @Test
    void expectContinueOverTheLimitIs413WithTheJsonBody() {
        server.sendRaw("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n"
                + "Expect: 100-continue\r\n\r\n").response();
        assertError(413, "PayloadTooLarge", "exceeds the limit of 1024 bytes");
    }

    @Test
    void anUnsupportedExpectationIs417WithTheJsonBody() {
        server.sendRaw("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n"
                + "Expect: 200-ok\r\n\r\n{}").response();
        assertError(417, "ExpectationFailed",
                "the request's Expect header is not supported; the only expectation served is 100-continue");
        assertFalse(server.server.isOpen());
        assertTrue(service.submissions.isEmpty());
    }

    @Test
    void aPathThatIsNotPercentEncodingIs400NamingIt() {
        server.post("/predictions/%zz", "{\"inputs\": \"hi\"}").response();
        assertError(400, "BadRequest", "the request path /predictions/%zz is not valid percent-encoding");
        assertTrue(server.server.isOpen());
    }

    @Test
    void aPipelinedRequestIsAnsweredOnlyOnceTheAnswerBeforeItIsComplete() {
        service.answerAtOnce = false;
        String stream = "{\"prompt\": \"Hi\", \"stream\": true}";
        server.sendRaw("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + stream.length()
                + "\r\n\r\n" + stream + "GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n").response();
        assertEquals(200, server.status());
        assertEquals("", server.body(), "the ping must not be answered in the middle of the stream");

        FakeGenerationService.Submission submission = service.last();
        FakeGenerationService.TOKENS.forEach(submission.sink()::onToken);
        submission.sink().onFinish(FakeGenerationService.result(submission.request()));
        server.response();

        assertEquals("application/json", server.header(HttpHeaderNames.CONTENT_TYPE), "the ping's answer came last");
        assertTrue(server.body().endsWith("data: [DONE]\n\n{\"status\":\"Healthy\"}"), server.body());
    }

    @Test
    void malformedHttpIs400AndClosesTheConnection() {
        server.sendRaw("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: nine\r\n\r\n").response();
        assertError(400, "BadRequest", "malformed HTTP request");
        assertFalse(server.server.isOpen());
    }

    @Test
    void modelEndpointsDescribeTheServedModel() {
        JsonNode openAi = server.send(HttpMethod.GET, "/v1/models").response().json();
        assertEquals("list", openAi.path("object").asText());
        assertEquals("tiny-llama", openAi.path("data").path(0).path("id").asText());
        assertEquals("model", openAi.path("data").path(0).path("object").asText());
        assertEquals(512, openAi.path("data").path(0).path("max_model_len").asInt());

        JsonNode one = server.next().send(HttpMethod.GET, "/v1/models/tiny-llama").response().json();
        assertEquals("tiny-llama", one.path("id").asText());
        assertEquals("model", one.path("object").asText());

    }

    @Test
    void managementEndpointsDescribeTheServedModelOnTheirOwnListener() {
        try (EmbeddedServer management = EmbeddedServer.management(service)) {
            JsonNode list = management.send(HttpMethod.GET, "/models").response().json();
            assertEquals("tiny-llama", list.path("models").path(0).path("modelName").asText());

            JsonNode description = management.next().send(HttpMethod.GET, "/models/tiny-llama").response().json();
            assertEquals("Healthy", description.path("status").asText());
            assertEquals(1, description.path("tensor_parallel_degree").asInt());
            assertEquals(512, description.path("config").path("option.max_model_len").path("value").asInt());
            assertEquals("default", description.path("config").path("option.max_model_len").path("source").asText());

            management.next().send(HttpMethod.GET, "/models/llama-70b").response();
            assertEquals(404, management.status());
            assertTrue(management.body().contains("model llama-70b is not served here; this server serves tiny-llama"),
                    management.body());

            management.next().send(HttpMethod.POST, "/v1/completions", "{\"prompt\": \"Hi\"}").response();
            assertEquals(404, management.status(), "the management listener serves no inference route");
        }
    }

    @Test
    void managementRoutesOnTheInferencePortAre404NamingTheManagementListener() {
        server.send(HttpMethod.GET, "/models").response();
        assertError(404, "NotFound", "GET /models is served on the management listener (management_address)");

        server.next().send(HttpMethod.GET, "/models/tiny-llama").response();
        assertError(404, "NotFound", "GET /models/tiny-llama is served on the management listener");
    }

    @Test
    void metricsArePrometheusTextCountingGenerationRequests() {
        server.post("/v1/completions", "{\"prompt\": \"Hi\"}").response();
        assertEquals(200, server.status());
        server.next().post("/v1/completions", "{\"prompt\": \"\"}").response();
        assertEquals(400, server.status());

        server.next().send(HttpMethod.GET, "/metrics").response();
        assertEquals(200, server.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", server.header(HttpHeaderNames.CONTENT_TYPE));
        assertTrue(server.body().contains("lmi_requests_total{status=\"200\"} 1\n"), server.body());
        assertTrue(server.body().contains("lmi_requests_total{status=\"400\"} 1\n"), server.body());
        assertTrue(server.body().contains("# TYPE lmi_step_seconds histogram\n"), server.body());
    }

    private void assertError(int code, String type, String messagePart) {
        server.assertError(code, type, messagePart);
    }
}
