package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.api.Json;
import ai.lmi.server.api.TinyLlama;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.generation.TokenSink;
import ai.lmi.server.metrics.ServerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GenerationEndpointTest {

    private final FakeGenerationService service = new FakeGenerationService();
    private final ServerMetrics metrics = new ServerMetrics();
    private EmbeddedServer server = new EmbeddedServer(service, metrics);

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void lmiInvocationReturnsGeneratedTextAndDetails() {
        server.post("/invocations", "{\"inputs\": \"Hello world\", \"parameters\": {\"details\": true}}").response();

        assertEquals(200, server.status());
        assertEquals("application/json", server.header(HttpHeaderNames.CONTENT_TYPE));
        JsonNode body = server.json();
        assertEquals("Hello world", body.path("generated_text").asText());
        assertEquals("eos_token", body.path("details").path("finish_reason").asText());
        assertEquals(3, body.path("details").path("tokens").size());
        assertArrayEquals(new int[] {1, 22557, 1526}, service.last().request().promptIds());
        assertEquals(1, metrics.requestCount(200));
    }

    @Test
    void predictionsRouteServesTheNamedModelOnly() {
        server.post("/predictions/tiny-llama", "{\"inputs\": \"Hi\"}").response();
        assertEquals(200, server.status());

        server.next().post("/predictions/other", "{\"inputs\": \"Hi\"}").response();
        assertEquals(404, server.status());
        assertEquals("model other is not served here; this server serves tiny-llama",
                server.json().path("message").asText());
        assertEquals(1, metrics.requestCount(404));
    }

    @Test
    void lmiStreamIsJsonLinesInChunks() {
        server.post("/invocations", "{\"inputs\": \"Hello world\", \"stream\": true}").response();

        assertEquals(200, server.status());
        assertEquals("application/jsonlines", server.header(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("chunked", server.header(HttpHeaderNames.TRANSFER_ENCODING));
        assertTrue(server.complete());
        List<JsonNode> lines = lines(server.body());
        assertEquals(3, lines.size());
        assertEquals("Hello", lines.get(0).path("token").path("text").asText());
        assertEquals("Hello world", lines.get(2).path("generated_text").asText());
        assertEquals("eos_token", lines.get(2).path("details").path("finish_reason").asText());
        assertTrue(server.server.isOpen(), "HTTP/1.1 keeps the connection for the next request");
    }

    @Test
    void invocationWithMessagesIsAChatCompletion() {
        server.close();
        FakeGenerationService chat = new FakeGenerationService(TinyLlama.chatTokenizer());
        server = new EmbeddedServer(chat, metrics);
        server.post("/invocations", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}").response();

        assertEquals(200, server.status());
        assertEquals("chat.completion", server.json().path("object").asText());
        assertEquals("Hello world", server.json().path("choices").path(0).path("message").path("content").asText());
    }

    @Test
    void completionReturnsOpenAiShape() {
        server.post("/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": \"Hello\", \"echo\": true}").response();

        JsonNode body = server.json();
        assertTrue(body.path("id").asText().startsWith("cmpl-"));
        assertEquals("text_completion", body.path("object").asText());
        assertTrue(body.path("created").asLong() > 1_700_000_000L);
        assertEquals("tiny-llama", body.path("model").asText());
        assertEquals("HelloHello world", body.path("choices").path(0).path("text").asText());
        assertEquals("stop", body.path("choices").path(0).path("finish_reason").asText());
        assertEquals(2, body.path("usage").path("prompt_tokens").asInt());
        assertEquals(3, body.path("usage").path("completion_tokens").asInt());
    }

    @Test
    void completionStreamIsServerSentEventsEndingInDone() {
        server.post("/v1/completions", "{\"prompt\": \"Hello\", \"stream\": true}").response();

        assertEquals("text/event-stream; charset=utf-8", server.header(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("no-cache", server.header(HttpHeaderNames.CACHE_CONTROL));
        String body = server.body();
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        List<String> events = List.of(body.split("\n\n"));
        events.forEach(event -> assertTrue(event.startsWith("data: "), event));
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, events.size() - 1)) {
            text.append(json(event.substring(6)).path("choices").path(0).path("text").asText());
        }
        assertEquals("Hello world", text.toString());
    }

    @Test
    void chatStreamStartsWithTheRoleAndEndsInDone() {
        server.close();
        server = new EmbeddedServer(new FakeGenerationService(TinyLlama.chatTokenizer()), metrics);
        server.post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"stream\": true}").response();

        String body = server.body();
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        JsonNode first = json(body.substring(6, body.indexOf("\n\n")));
        assertEquals("chat.completion.chunk", first.path("object").asText());
        assertEquals("assistant", first.path("choices").path(0).path("delta").path("role").asText());
    }

    @Test
    void streamHeadIsSentBeforeAnyTokenAndTokensAsTheyCome() {
        service.answerAtOnce = false;
        server.post("/v1/completions", "{\"prompt\": \"Hello\", \"stream\": true}").response();
        assertEquals(200, server.status());
        assertEquals("", server.body());

        TokenSink sink = service.last().sink();
        sink.onToken(FakeGenerationService.TOKENS.get(0));
        server.response();
        assertTrue(server.body().contains("\"text\":\"Hello\""), server.body());
        assertFalse(server.complete());
    }

    @Test
    void errorAfterStreamingBeganIsAnInBandLastChunk() {
        service.answerAtOnce = false;
        server.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
                + "\"stream\": true}");
        // tiny-llama has no chat template: the error is a plain 400 before any stream.
        server.response();
        assertEquals(400, server.status());

        server.next().post("/v1/completions", "{\"prompt\": \"Hello\", \"stream\": true}").response();
        TokenSink sink = service.last().sink();
        sink.onToken(FakeGenerationService.TOKENS.get(0));
        sink.onError("worker process died (exit code 137)");
        server.response();

        assertEquals(200, server.status());
        assertTrue(server.complete());
        String body = server.body();
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        String[] events = body.split("\n\n");
        JsonNode last = json(events[events.length - 2].substring(6));
        assertEquals("error", last.path("choices").path(0).path("finish_reason").asText());
        assertEquals("worker process died (exit code 137)", last.path("error").path("message").asText());
        assertEquals(1, metrics.requestCount(500));
    }

    @Test
    void lmiStreamErrorIsAnInBandLastLine() {
        service.answerAtOnce = false;
        server.post("/invocations", "{\"inputs\": \"Hello\", \"stream\": true}").response();
        service.last().sink().onError("worker process died");
        server.response();

        List<JsonNode> lines = lines(server.body());
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("error", last.path("details").path("finish_reason").asText());
        assertEquals("worker process died", last.path("error").asText());
    }

    @Test
    void errorOfAWholeResponseIs500() {
        service.answerAtOnce = false;
        server.post("/v1/completions", "{\"prompt\": \"Hello\"}").response();
        service.last().sink().onError("worker process died");
        server.response();

        assertEquals(500, server.status());
        assertEquals("InternalServerError", server.json().path("type").asText());
        assertEquals("worker process died", server.json().path("message").asText());
    }

    @Test
    void fullQueueIs503WithTheServicesRetryAfter() {
        service.rejection = new ServiceUnavailableException("job queue is full (1000 requests)", 2);
        server.post("/v1/completions", "{\"prompt\": \"Hello\"}").response();

        assertEquals(503, server.status());
        assertEquals("2", server.header(HttpHeaderNames.RETRY_AFTER));
        assertEquals("ServiceUnavailable", server.json().path("type").asText());
        assertEquals("job queue is full (1000 requests)", server.json().path("message").asText());
        assertEquals(1, metrics.requestCount(503));
    }

    @Test
    void notReadyIs503BeforeAnyParsing() {
        service.ready = false;
        server.post("/v1/completions", "{not json").response();
        assertEquals(503, server.status());
        assertEquals("10", server.header(HttpHeaderNames.RETRY_AFTER));
    }

    @Test
    void requestTheEngineCannotFitIs400() {
        service.misfit = new IllegalArgumentException("prompt needs 40 KV blocks, the cache has 32");
        server.post("/v1/completions", "{\"prompt\": \"Hello\"}").response();
        assertEquals(400, server.status());
        assertEquals("prompt needs 40 KV blocks, the cache has 32", server.json().path("message").asText());
    }

    @Test
    void clientThatDisconnectsMidStreamCancelsItsGeneration() {
        service.answerAtOnce = false;
        server.post("/invocations", "{\"inputs\": \"Hello\", \"stream\": true}").response();
        TokenSink sink = service.last().sink();
        sink.onToken(FakeGenerationService.TOKENS.get(0));
        server.response();
        assertFalse(service.last().handle().cancelled());

        server.server.close();
        assertTrue(service.last().handle().cancelled());
        // The engine's later events find the client gone and are dropped.
        sink.onToken(FakeGenerationService.TOKENS.get(1));
        sink.onFinish(FakeGenerationService.result(service.last().request()));
        server.server.runPendingTasks();
        assertEquals(1, metrics.requestCount(ServerMetrics.CLIENT_CLOSED_REQUEST));
        assertEquals(0, metrics.requestCount(200));
    }

    @Test
    void clientThatDisconnectsBeforeAWholeResponseCancelsItsGeneration() {
        service.answerAtOnce = false;
        server.post("/v1/completions", "{\"prompt\": \"Hello\"}").response();
        server.server.close();
        assertTrue(service.last().handle().cancelled());
    }

    @Test
    void finishedGenerationIsNotCancelledWhenTheConnectionLaterCloses() {
        server.post("/v1/completions", "{\"prompt\": \"Hello\"}").response();
        server.server.close();
        assertFalse(service.last().handle().cancelled());
    }

    @Test
    void keepsServingRequestsOnOneConnection() {
        for (int i = 0; i < 3; i++) {
            server.next().post("/v1/completions", "{\"prompt\": \"Hello\"}").response();
            assertEquals(200, server.status());
        }
        server.next().send(HttpMethod.GET, "/ping").response();
        assertEquals(200, server.status());
        assertEquals(3, service.submissions.size());
    }

    @Test
    void engineEventsQueuedBeforeSubmitReturnsStillFollowTheHead() {
        // answerAtOnce emits every event from inside submit(), before the endpoint has the handle.
        server.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        server.response();
        assertEquals(400, server.status());

        server.next().post("/invocations", "{\"inputs\": \"Hi\", \"stream\": true}").response();
        assertEquals(200, server.status());
        assertTrue(server.complete());
        GenerationResult result = FakeGenerationService.result(service.last().request());
        assertEquals(result.text(), lines(server.body()).get(2).path("generated_text").asText());
    }

    private static List<JsonNode> lines(String body) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : body.split("\n")) {
            lines.add(json(line));
        }
        return lines;
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
