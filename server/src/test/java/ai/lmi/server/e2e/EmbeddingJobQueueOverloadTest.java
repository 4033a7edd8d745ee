package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Past {@code job_queue_size}, embedding requests get 503 with {@code Retry-After} at once. The admitted inputs
 * wait in a batch that is not full for {@code option.max_batch_delay}, so every 503 must come before any of them
 * is answered; they are answered with the vectors a full batch of the same texts gives.
 */
class EmbeddingJobQueueOverloadTest {

    private static final int JOB_QUEUE_SIZE = 2;
    private static final int REQUESTS = 12;
    /** One more than the admitted inputs: their batch waits the whole delay for a third. */
    private static final int BATCH_SIZE = JOB_QUEUE_SIZE + 1;
    private static final String MAX_BATCH_DELAY_MS = "5000";
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path work;

    @Test
    void requestsPastTheQueueGet503BeforeTheAdmittedOnesAreAnswered() throws Exception {
        TestServer server = MiniLm.serve(work, "--job_queue_size", String.valueOf(JOB_QUEUE_SIZE),
                "--option.batch_size", String.valueOf(BATCH_SIZE), "--option.max_batch_delay", MAX_BATCH_DELAY_MS);
        try {
            List<String> texts = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                texts.add(MiniLm.hellos(i + 1));
                pending.add(server.postAsync("/v1/embeddings", "{\"input\": \"" + texts.get(i) + "\"}"));
            }
            TestServer.await("the requests past job_queue_size to be answered", Duration.ofSeconds(60),
                    () -> pending.stream().filter(CompletableFuture::isDone).count(),
                    done -> done >= REQUESTS - JOB_QUEUE_SIZE);

            List<Integer> admitted = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                if (!pending.get(i).isDone()) {
                    admitted.add(i);
                    continue;
                }
                HttpResponse<String> response = pending.get(i).join();
                ErrorResponses.assertError(response, 503, "the job queue is full (job_queue_size 2)");
                assertEquals("1", response.headers().firstValue("retry-after").orElse(""), response.body());
            }
            assertEquals(JOB_QUEUE_SIZE, admitted.size(), "the admitted inputs wait for their batch to fill");
            assertEquals(REQUESTS - JOB_QUEUE_SIZE, server.metric("lmi_requests_total", "status=\"503\""));

            List<String> batch = new ArrayList<>();
            admitted.forEach(i -> batch.add(texts.get(i)));
            List<float[]> vectors = new ArrayList<>();
            for (int i : admitted) {
                HttpResponse<String> response = pending.get(i).join();
                assertEquals(200, response.statusCode(), response.body());
                vectors.add(MiniLm.vector(TestServer.json(response.body()).path("data").path(0).path("embedding")));
            }
            batch.add("one more");
            JsonNode full = server.postOk("/v1/embeddings", "{\"input\": " + TestServer.JSON.valueToTree(batch) + "}");
            for (int j = 0; j < vectors.size(); j++) {
                assertArrayEquals(MiniLm.vector(full.path("data").path(j).path("embedding")), vectors.get(j),
                        (float) TOLERANCE, batch.get(j));
            }
        } finally {
            server.close();
        }
    }
}
