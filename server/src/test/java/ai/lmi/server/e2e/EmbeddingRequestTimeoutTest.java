package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code request_timeout_s} on an embedding server: a request still waiting for its batch when the limit passes
 * gets 504, and its input is left out of that batch.
 */
class EmbeddingRequestTimeoutTest {

    /** A batch that is not full waits this long for more inputs: far past the 1 s limit. */
    private static final String MAX_BATCH_DELAY_MS = "5000";
    private static final int BATCH_SIZE = 4;

    @TempDir
    Path work;

    @Test
    void aRequestStillWaitingForItsBatchGets504AndDoesNotRun() throws Exception {
        TestServer server = MiniLm.serve(work, "--request_timeout_s", "1",
                "--option.max_batch_delay", MAX_BATCH_DELAY_MS, "--option.batch_size", String.valueOf(BATCH_SIZE));
        try {
            HttpResponse<String> timedOut = server.post("/v1/embeddings", "{\"input\": \"waits for company\"}");
            assertEquals(504, timedOut.statusCode(), timedOut.body());
            JsonNode error = TestServer.json(timedOut.body());
            assertEquals("GatewayTimeout", error.path("type").asText(), timedOut.body());
            assertTrue(error.path("message").asText().contains("request_timeout_s=1 s"), timedOut.body());

            // The batch that took its input is still forming; these fill it, so it runs at once, without that input.
            JsonNode filling = server.postOk("/v1/embeddings", "{\"input\": [\"one\", \"two\", \"three\"]}");
            assertEquals(BATCH_SIZE - 1, filling.path("data").size(), filling.toString());
            assertEquals(1, server.metric("lmi_embedding_batch_size_count"));
            assertEquals(BATCH_SIZE - 1, server.metric("lmi_embedding_batch_size_sum"));
            assertEquals(1, server.metric("lmi_requests_total", "status=\"504\""));
            assertEquals(1, server.metric("lmi_requests_total", "status=\"200\""));
            assertTrue(server.shutdownGracefully(Duration.ofSeconds(10)), "no request is left in flight");
        } finally {
            server.close();
        }
    }
}
