package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code request_timeout_s}: a request still waiting or generating when it expires is stopped, answered with 504
 * (or, once its stream began, an in-band error), and its KV blocks are freed. One sequence per step and many
 * long requests at once make most of them wait past the 1 s limit, however fast the machine.
 */
class RequestTimeoutTest {

    private static final int REQUESTS = 12;
    private static final String BLOCKS_USED = "lmi_kv_cache_blocks_used";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--option.max_rolling_batch_size", "1", "--request_timeout_s", "1");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String longGeneration(boolean stream) {
        int[] prompt = {1, 1000, 1001, 1002};
        return Requests.greedyCompletion(prompt, 500, "\"ignore_eos\": true, \"stream\": " + stream);
    }

    private static List<HttpResponse<String>> sendAtOnce(String body) {
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            pending.add(server.postAsync("/v1/completions", body));
        }
        return pending.stream().map(CompletableFuture::join).toList();
    }

    @Test
    void wholeResponsesPastTheLimitGet504() {
        double idle = server.metric(BLOCKS_USED);
        double timedOutBefore = server.metric("lmi_requests_total", "status=\"504\"");

        List<HttpResponse<String>> responses = sendAtOnce(longGeneration(false));

        int timedOut = 0;
        for (HttpResponse<String> response : responses) {
            if (response.statusCode() == 504) {
                JsonNode error = TestServer.json(response.body());
                assertEquals("GatewayTimeout", error.path("type").asText(), response.body());
                assertTrue(error.path("message").asText().contains("request_timeout_s=1"), response.body());
                timedOut++;
            } else {
                assertEquals(200, response.statusCode(), response.body());
            }
        }
        assertTrue(timedOut > 0, "with one sequence per step, " + REQUESTS + " long requests cannot all finish in 1 s");
        assertEquals(timedOutBefore + timedOut, server.metric("lmi_requests_total", "status=\"504\""));
        awaitIdle(idle);
    }

    @Test
    void streamsPastTheLimitEndWithAnInBandError() {
        double idle = server.metric(BLOCKS_USED);

        List<HttpResponse<String>> responses = sendAtOnce(longGeneration(true));

        int timedOut = 0;
        for (HttpResponse<String> response : responses) {
            assertEquals(200, response.statusCode(), "a stream's head goes out before the limit");
            List<JsonNode> events = ServerSentEvents.parse(response.body());
            JsonNode last = events.get(events.size() - 1);
            String finishReason = last.path("choices").path(0).path("finish_reason").asText();
            if (finishReason.equals("error")) {
                assertTrue(response.body().contains("request_timeout_s=1"), response.body());
                timedOut++;
            } else {
                assertEquals("length", finishReason, response.body());
            }
        }
        assertTrue(timedOut > 0, "with one sequence per step, " + REQUESTS + " long streams cannot all finish in 1 s");
        awaitIdle(idle);
    }

    private static void awaitIdle(double idleBlocks) {
        TestServer.await("blocks back to their idle count " + idleBlocks, Duration.ofSeconds(30),
                () -> server.metric(BLOCKS_USED), used -> used == idleBlocks);
        assertEquals(0, server.metric("lmi_requests_running"));
        JsonNode shortOne = server.postOk("/v1/completions", Requests.greedyCompletion(new int[] {1, 1000}, 4, ""));
        assertEquals(4, shortOne.path("usage").path("completion_tokens").asInt(), shortOne.toString());
    }
}
