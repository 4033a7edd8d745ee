package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.metrics.ServerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch sizes of one run, from two scrapes of what the real server renders, and how they are reported. */
class EmbeddingBatchesTest {

    private static final double EPSILON = 1e-9;

    @Test
    void theBatchesOfARunAreTheChangeOfTheHistogramsBetweenTwoScrapes() {
        EmbeddingBatches batches = oneRun();

        assertEquals(7, batches.batches());
        assertEquals(319, batches.inputs());
        assertEquals(319.0 / 7, batches.meanBatchSize(), EPSILON);
        assertEquals(20.0, batches.meanBatchMs(), 1e-6);
        assertEquals(List.of("1", "2", "4", "8", "16", "32", "64", "128", "256", "+Inf"),
                List.copyOf(batches.buckets().keySet()));
        assertEquals(2L, batches.buckets().get("1"));
        assertEquals(3L, batches.buckets().get("2"));
        assertEquals(5L, batches.buckets().get("4"));
        assertEquals(6L, batches.buckets().get("256"));
        assertEquals(7L, batches.buckets().get("+Inf"));
        assertEquals(List.of(new EmbeddingBatches.SizeRange(1, 1, 2), new EmbeddingBatches.SizeRange(2, 2, 1),
                new EmbeddingBatches.SizeRange(3, 4, 2), new EmbeddingBatches.SizeRange(5, 8, 1),
                new EmbeddingBatches.SizeRange(257, Long.MAX_VALUE, 1)), batches.sizeRanges());
        assertEquals(List.of("1", "2", "3-4", "5-8", ">256"),
                batches.sizeRanges().stream().map(EmbeddingBatches.SizeRange::label).toList());
    }

    @Test
    void aServerWithoutTheHistogramHasNoBatchesAndAnIdleRunHasNoMeans() {
        PrometheusText generationOnly = PrometheusText.parse("lmi_step_seconds_count{phase=\"forward\"} 3\n");
        assertNull(EmbeddingBatches.between(generationOnly, generationOnly));

        PrometheusText idle = PrometheusText.parse(new ServerMetrics().render());
        EmbeddingBatches none = EmbeddingBatches.between(idle, idle);
        assertEquals(0, none.batches());
        assertTrue(Double.isNaN(none.meanBatchSize()));
        assertTrue(Double.isNaN(none.meanBatchMs()));
        assertEquals(List.of(), none.sizeRanges());
    }

    @Test
    void anEmbeddingsRunReportsSentencesPerSecondAndTheBatches() throws Exception {
        // Sentences of 32 tokens plus [CLS] and [SEP], sent at 0, 10 and 20 ms, answered 40 ms later.
        List<RequestRecord> records = List.of(Timelines.completed(0, 34, 0, 40), Timelines.completed(10, 34, 0, 50),
                Timelines.completed(20, 34, 0, 60), Timelines.failed(30, 35, RequestError.http(400, "too long")));
        RunStats run = RunStats.of(new LoadPattern.ClosedLoop(8), records, null, null, oneRun());

        String report = Report.of(Api.EMBEDDINGS, run);
        assertTrue(report.contains("sentence throughput         50.000 sentences/s"), report);
        assertTrue(report.contains("input token throughput      1700.0 tok/s"), report);
        assertTrue(report.contains("e2el_ms          40.00"), report);
        assertTrue(report.contains("7 batches holding 319 inputs, mean 45.57 inputs/batch, mean 20.000 ms/batch"),
                report);
        assertTrue(report.contains("batches by inputs per batch:  1: 2  2: 1  3-4: 2  5-8: 1  >256: 1"), report);
        assertTrue(report.contains("error http_400 x1, first: too long"), report);
        assertFalse(report.contains("ttft") || report.contains("tpot") || report.contains("output"), report);

        JsonNode summary = Json.MAPPER.readTree(SummaryJson.line(new BenchSummary(null, URI.create("http://h:1"),
                Api.EMBEDDINGS, List.of(run))));
        assertEquals("embeddings", summary.path("api").asText());
        JsonNode json = summary.path("runs").path(0);
        assertEquals(50.0, json.path("request_throughput").asDouble(), EPSILON);
        assertEquals(1700.0, json.path("input_throughput").asDouble(), EPSILON);
        assertEquals(102, json.path("total_input_tokens").asInt());
        assertEquals(40.0, json.path("e2el_ms").path("p99").asDouble(), EPSILON);
        assertTrue(json.path("ttft_ms").isMissingNode() && json.path("output_throughput").isMissingNode());
        JsonNode batches = json.path("embedding_batches");
        assertEquals(7, batches.path("batches").asInt());
        assertEquals(45.571, batches.path("mean_batch_size").asDouble(), EPSILON);
        assertEquals(20.0, batches.path("mean_batch_ms").asDouble(), EPSILON);
        assertEquals(2, batches.path("batch_size_buckets").path("1").asInt());
        assertEquals(7, batches.path("batch_size_buckets").path("+Inf").asInt());
    }

    /** A batch of 3 before the run; during it, batches of 1, 1, 2, 3, 4, 8 and 300 inputs, 20 ms each. */
    private static EmbeddingBatches oneRun() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.observeEmbeddingBatch(3, 3 * 34, 0.5);
        PrometheusText before = PrometheusText.parse(metrics.render());
        for (int inputs : new int[] {1, 1, 2, 3, 4, 8, 300}) {
            metrics.observeEmbeddingBatch(inputs, inputs * 34, 0.02);
        }
        return EmbeddingBatches.between(before, PrometheusText.parse(metrics.render()));
    }
}
