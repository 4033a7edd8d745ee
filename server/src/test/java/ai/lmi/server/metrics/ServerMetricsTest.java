package ai.lmi.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.scheduler.SchedulerStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {

    @Test
    void declaresEveryMetricOfTheServingCore() {
        String text = new ServerMetrics().render();
        for (String type : new String[] {
            "lmi_requests_running gauge",
            "lmi_requests_waiting gauge",
            "lmi_kv_cache_blocks_used gauge",
            "lmi_kv_cache_blocks_total gauge",
            "lmi_prefix_cache_hit_tokens_total counter",
            "lmi_preemptions_total counter",
            "lmi_padding_tokens_total counter",
            "lmi_requests_total counter",
            "lmi_time_to_first_token_seconds histogram",
            "lmi_time_per_output_token_seconds histogram",
            "lmi_step_seconds histogram",
            "lmi_step_tokens_total counter",
            "lmi_step_batch_size histogram",
            "lmi_embedding_batch_size histogram",
            "lmi_embedding_batch_seconds histogram",
            "lmi_embedding_batch_tokens_total counter"
        }) {
            assertTrue(text.contains("# TYPE " + type + "\n"), "missing " + type + " in\n" + text);
        }
        Map<String, Double> samples = PrometheusTextParser.parse(text);
        for (String phase : new String[] {"schedule", "ipc", "forward", "sample"}) {
            assertEquals(0, samples.get("lmi_step_seconds_count{phase=\"" + phase + "\"}"));
        }
    }

    @Test
    void reflectsWhatTheEngineAndHttpLayerReport() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.recordSchedulerStats(new SchedulerStats(3, 5, 2, 128, 40, 100, 7));
        metrics.observeTimeToFirstToken(30_000_000L);
        metrics.observeTimePerOutputToken(8_000_000L);
        metrics.observeTimePerOutputToken(12_000_000L);
        metrics.observeStep(StepPhase.IPC, 50_000L);
        metrics.observeStep(StepPhase.FORWARD, 4_000_000L);
        metrics.observeStep(StepPhase.SAMPLE, 300_000L);
        metrics.observeStepBatch(3, 40);
        metrics.observeStepBatch(8, 8);
        metrics.countRequest(200);
        metrics.countRequest(200);
        metrics.countRequest(ServerMetrics.CLIENT_CLOSED_REQUEST);

        Map<String, Double> samples = PrometheusTextParser.parse(metrics.render());

        assertEquals(3, samples.get("lmi_requests_running"));
        assertEquals(5, samples.get("lmi_requests_waiting"));
        assertEquals(40, samples.get("lmi_kv_cache_blocks_used"));
        assertEquals(100, samples.get("lmi_kv_cache_blocks_total"));
        assertEquals(2, samples.get("lmi_preemptions_total"));
        assertEquals(128, samples.get("lmi_prefix_cache_hit_tokens_total"));
        assertEquals(7, samples.get("lmi_padding_tokens_total"));
        assertEquals(2, samples.get("lmi_requests_total{status=\"200\"}"));
        assertEquals(1, samples.get("lmi_requests_total{status=\"499\"}"));
        assertEquals(1, samples.get("lmi_time_to_first_token_seconds_bucket{le=\"0.04\"}"));
        assertEquals(0, samples.get("lmi_time_to_first_token_seconds_bucket{le=\"0.02\"}"));
        assertEquals(0.03, samples.get("lmi_time_to_first_token_seconds_sum"), 1e-12);
        assertEquals(2, samples.get("lmi_time_per_output_token_seconds_count"));
        assertEquals(1, samples.get("lmi_step_seconds_bucket{phase=\"ipc\",le=\"0.00005\"}"));
        assertEquals(1, samples.get("lmi_step_seconds_count{phase=\"forward\"}"));
        assertEquals(0, samples.get("lmi_step_seconds_count{phase=\"schedule\"}"));
        assertEquals(1, samples.get("lmi_step_seconds_bucket{phase=\"sample\",le=\"0.0005\"}"));
        assertEquals(0, samples.get("lmi_step_seconds_bucket{phase=\"sample\",le=\"0.00025\"}"));
        assertEquals(48, samples.get("lmi_step_tokens_total"));
        assertEquals(0, samples.get("lmi_step_batch_size_bucket{le=\"2\"}"));
        assertEquals(1, samples.get("lmi_step_batch_size_bucket{le=\"4\"}"));
        assertEquals(2, samples.get("lmi_step_batch_size_bucket{le=\"8\"}"));
        assertEquals(11, samples.get("lmi_step_batch_size_sum"));
        assertEquals(2, metrics.requestCount(200));
    }

    @Test
    void embeddingBatches() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.observeEmbeddingBatch(1, 7, 0.004);
        metrics.observeEmbeddingBatch(32, 32 * 20, 0.08);

        Map<String, Double> samples = PrometheusTextParser.parse(metrics.render());

        assertEquals(1, samples.get("lmi_embedding_batch_size_bucket{le=\"1\"}"));
        assertEquals(1, samples.get("lmi_embedding_batch_size_bucket{le=\"16\"}"));
        assertEquals(2, samples.get("lmi_embedding_batch_size_bucket{le=\"32\"}"));
        assertEquals(33, samples.get("lmi_embedding_batch_size_sum"));
        assertEquals(1, samples.get("lmi_embedding_batch_seconds_bucket{le=\"0.005\"}"));
        assertEquals(2, samples.get("lmi_embedding_batch_seconds_count"));
        assertEquals(647, samples.get("lmi_embedding_batch_tokens_total"));
    }
}
