package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.engines.embedding.MiniLmExample;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench against a real LMI server in-process, serving all-MiniLM-L6-v2 with its dynamic batcher. */
class EmbeddingsEndToEndTest {

    private static final int REQUESTS = 16;
    private static final int SENTENCE_TOKENS = 32;
    // The server counts the [CLS] and [SEP] it adds to every sentence.
    private static final int SERVER_COUNTED_TOKENS = SENTENCE_TOKENS + 2;

    @TempDir
    static Path work;
    private static Path model;
    private static InProcessServer server;
    private static String url;

    @BeforeAll
    static void startServer() throws Exception {
        model = MiniLmExample.layOut(work.resolve("all-MiniLM-L6-v2"));
        server = InProcessServer.start(model);
        url = server.url();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aConcurrencySweepMeasuresSentencesPerSecondAndTheBatchSizes(@TempDir Path dir) throws Exception {
        Path resultFile = dir.resolve("result.json");
        BenchSummary summary = BenchMain.run(List.of("--url", url, "--api", "embeddings", "--tokenizer",
                model.toString(), "--prompt-tokens", Integer.toString(SENTENCE_TOKENS), "--concurrency", "1,8",
                "--num-requests", Integer.toString(REQUESTS), "--warmup", "2", "--result-file",
                resultFile.toString()), System.err);

        assertEquals(2, summary.runs().size());
        for (RunStats run : summary.runs()) {
            String name = run.load().name();
            assertEquals(REQUESTS, run.completed(), name + " " + run.errors());
            assertTrue(run.requestThroughput() > 0, name);
            assertEquals(REQUESTS * SERVER_COUNTED_TOKENS, run.totalInputTokens(), name);
            assertTrue(run.e2elMs().mean() > 0 && run.e2elMs().p99() >= run.e2elMs().p50(), name);
            EmbeddingBatches batches = run.embeddingBatches();
            assertNotNull(batches, name);
            // The warm-up ran before the first scrape: every input counted is one of this run's sentences.
            assertEquals(REQUESTS, batches.inputs(), name);
            assertTrue(batches.batches() >= 1 && batches.meanBatchSize() >= 1, name + " " + batches);
            assertTrue(batches.meanBatchMs() > 0, name + " " + batches);
            assertEquals(batches.batches(), batches.buckets().get("+Inf"), name);
        }
        // One sentence in flight at a time: the batcher can only form batches of one.
        EmbeddingBatches alone = summary.runs().get(0).embeddingBatches();
        assertEquals(REQUESTS, alone.batches());
        assertEquals(List.of(new EmbeddingBatches.SizeRange(1, 1, REQUESTS)), alone.sizeRanges());

        JsonNode json = Json.MAPPER.readTree(Files.readString(resultFile));
        assertEquals("embeddings", json.path("api").asText());
        JsonNode eight = json.path("runs").path(1);
        assertEquals(8, eight.path("concurrency").asInt());
        assertTrue(eight.path("request_throughput").asDouble() > 0);
        assertEquals(REQUESTS, eight.path("embedding_batches").path("inputs").asInt());
        assertTrue(eight.path("embedding_batches").path("mean_batch_size").asDouble() >= 1);
    }

    @Test
    void aSentenceOverTheModelsLengthCountsAsFailedWithTheServersMessage() throws Exception {
        // all-MiniLM-L6-v2 is served with max_model_len 256, [CLS] and [SEP] included.
        BenchSummary summary = BenchMain.run(List.of("--url", url, "--api", "embeddings", "--tokenizer",
                model.toString(), "--prompt-tokens", "300", "--num-requests", "2", "--no-metrics"), System.err);

        RunStats run = summary.runs().get(0);
        assertEquals(2, run.failed());
        RunStats.ErrorCount badRequest = run.errors().get("http_400");
        assertNotNull(badRequest, run.errors().toString());
        assertEquals(2, badRequest.count());
        assertTrue(badRequest.firstMessage().contains("max_model_len"), badRequest.firstMessage());
        assertTrue(run.embeddingBatches() == null && run.e2elMs() == null);
    }
}
