package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graceful shutdown of an embedding server (what SIGTERM runs): the requests waiting in the batcher are answered,
 * while {@code /ping} and new requests get 503.
 */
class EmbeddingShutdownTest {

    /** Long enough that the requests are still waiting for their batch when the shutdown begins. */
    private static final String MAX_BATCH_DELAY_MS = "4000";
    private static final int IN_FLIGHT = 8;

    @TempDir
    Path work;

    @Test
    void requestsInFlightAreAnsweredAndNewOnesRefused() throws Exception {
        TestServer server = MiniLm.serve(work, "--option.max_batch_delay", MAX_BATCH_DELAY_MS);
        try {
            List<CompletableFuture<HttpResponse<String>>> inFlight = IntStream.range(0, IN_FLIGHT)
                    .mapToObj(i -> server.postAsync("/invocations", "{\"inputs\": \"request " + i + "\"}"))
                    .toList();
            // Time for the requests to arrive and join the batch that is forming.
            Thread.sleep(1000);
            assertTrue(inFlight.stream().noneMatch(CompletableFuture::isDone), "the batch is still forming");

            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> shutDown(server));
            TestServer.await("/ping to answer 503", Duration.ofSeconds(10),
                    () -> server.get("/ping").statusCode(), status -> status == 503);
            HttpResponse<String> refused = server.post("/invocations", "{\"inputs\": \"too late\"}");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("shutting down"), refused.body());
            assertFalse(drained.isDone(), "the shutdown waits for the requests in flight");

            for (CompletableFuture<HttpResponse<String>> request : inFlight) {
                HttpResponse<String> response = request.join();
                assertEquals(200, response.statusCode(), response.body());
                assertEquals(MiniLm.DIMENSION, TestServer.json(response.body()).size());
            }
            assertTrue(drained.join(), "none had to be cut off");
        } finally {
            server.close();
        }
    }

    private static boolean shutDown(TestServer server) {
        try {
            return server.shutdownGracefully(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
