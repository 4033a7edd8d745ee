package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A worker that dies and then cannot be started again (its weights went bad): the server retries with backoff up
 * to {@code worker_max_restarts}, then gives up for good — the stream in flight ends with an in-band error that says
 * why, {@code /ping} answers 503 with the reason, and every request after gets 503 with it.
 */
class WorkerRestartLimitTest extends SharedServerTest {

    private Path model;

    @Override
    TestServer start(Path work) {
        model = BrokenModel.copyOfTinyLlama(work.resolve("tiny-llama"));
        return TestServer.start(model, "--option.kv_cache_bytes", "16m", "--worker_max_restarts", "2",
                "--worker_restart_window_s", "600");
    }

    @Test
    void afterTheRestartsAreSpentTheServerAnswers503WithTheReason() throws IOException {
        String stream = Requests.greedyCompletion(new int[] {1, 415, 5565}, 480,
                "\"ignore_eos\": true, \"stream\": true");
        HttpResponse<InputStream> response = server.sendStreaming(server.postRequest("/v1/completions", stream));
        assertEquals(200, response.statusCode());
        BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String first = events.readLine();
        assertTrue(first.startsWith("data: {"), first);

        BrokenModel.breakWeights(model);
        ProcessHandle worker = WorkerProcesses.only();
        assertTrue(worker.destroyForcibly());
        CompletableFuture<HttpResponse<String>> queued = server.postAsync("/v1/completions",
                Requests.greedyCompletion(new int[] {1, 415}, 4, ""));

        List<JsonNode> streamed = ServerSentEvents.parse(first + "\n" + readRest(events));
        JsonNode last = streamed.get(streamed.size() - 1);
        assertEquals("error", last.path("choices").path(0).path("finish_reason").asText(), last.toString());
        String reason = last.path("error").path("message").asText();
        assertTrue(reason.contains("failed 3 times") && reason.contains("worker_max_restarts 2"), reason);
        assertTrue(reason.contains("needs a restart"), reason);

        HttpResponse<String> waited = queued.join();
        assertTrue(waited.body().contains("worker_max_restarts 2"), waited.statusCode() + " " + waited.body());
        HttpResponse<String> ping = server.get("/ping");
        assertEquals(503, ping.statusCode(), ping.body());
        assertTrue(ping.body().contains("worker_max_restarts 2"), ping.body());
        assertFalse(ping.headers().firstValue("Retry-After").isPresent(), "a server that gave up sets no Retry-After");
        HttpResponse<String> refused = server.post("/invocations", "{\"inputs\": \"Hello\"}");
        ErrorResponses.assertError(refused, 503, "worker_max_restarts 2");
        assertEquals(2, server.metric("lmi_worker_restarts_total"), "two restarts were tried before giving up");
        assertTrue(WorkerProcesses.all().isEmpty(), "no worker is left running: " + WorkerProcesses.all());
    }

    private static String readRest(BufferedReader reader) {
        try (reader) {
            return reader.lines().collect(Collectors.joining("\n", "", "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
