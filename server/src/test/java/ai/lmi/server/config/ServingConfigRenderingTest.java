package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServingConfigRenderingTest {

    @Test
    void everyKeyInOrderWithValueAndSource() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--model", "/models/llama", "--option.dtype", "bf16", "--port", "9000"),
                Map.of("OPTION_KV_CACHE_BYTES", "1k", "SERVING_MAX_PAYLOAD_BYTES", "1m"));

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("option.model_id", entry("/models/llama", "command line"));
        expected.put("option.task", entry("text-generation", "derived from option.model_id"));
        expected.put("option.rolling_batch", entry("lmi-dist", "default"));
        expected.put("option.dtype", entry("bfloat16", "command line"));
        expected.put("option.quantize", entry(null, "default"));
        expected.put("option.kv_cache_dtype", entry("auto", "default"));
        expected.put("option.device", entry("auto", "default"));
        expected.put("option.tensor_parallel_degree", entry(1, "default"));
        expected.put("option.max_model_len", entry(null, "default"));
        expected.put("option.max_rolling_batch_size", entry(64, "default"));
        expected.put("option.max_num_batched_tokens", entry(2048, "default"));
        expected.put("option.enable_chunked_prefill", entry(true, "default"));
        expected.put("option.batching", entry("continuous", "default"));
        expected.put("option.speculative_length", entry(0, "default"));
        expected.put("option.ngram_prompt_lookup", entry(false, "default"));
        expected.put("option.speculative_draft_model", entry(null, "default"));
        expected.put("option.block_size", entry(16, "default"));
        expected.put("option.enable_prefix_caching", entry(true, "default"));
        expected.put("option.kv_cache_bytes", entry(1024L, "environment OPTION_KV_CACHE_BYTES"));
        expected.put("option.gpu_memory_utilization", entry(0.9, "default"));
        expected.put("option.python_executable", entry(null, "default"));
        expected.put("option.enable_lora", entry(false, "default"));
        expected.put("option.max_loras", entry(4, "default"));
        expected.put("option.max_lora_rank", entry(16, "default"));
        expected.put("option.adapters", entry(null, "default"));
        expected.put("option.pooling", entry("mean", "default"));
        expected.put("option.normalize", entry(true, "default"));
        expected.put("option.truncate", entry(false, "default"));
        expected.put("option.batch_size", entry(32, "default"));
        expected.put("option.max_batch_delay", entry(0, "default"));
        expected.put("option.api_key", entry(null, "default"));
        expected.put("job_queue_size", entry(1000, "default"));
        expected.put("model_name", entry("llama", "derived from option.model_id"));
        expected.put("port", entry(9000, "command line"));
        expected.put("bind_address", entry("0.0.0.0", "default"));
        expected.put("management_address", entry("http://127.0.0.1:8081", "default"));
        expected.put("max_payload_bytes", entry(1048576L, "environment SERVING_MAX_PAYLOAD_BYTES"));
        expected.put("worker_startup_timeout_s", entry(600, "default"));
        expected.put("worker_max_restarts", entry(5, "default"));
        expected.put("worker_restart_window_s", entry(600, "default"));
        expected.put("graceful_shutdown_timeout_s", entry(30, "default"));
        expected.put("request_timeout_s", entry(0, "default"));
        expected.put("max_stream_buffer_bytes", entry(1048576L, "default"));
        expected.put("request_read_timeout_s", entry(60, "default"));
        expected.put("keep_alive_timeout_s", entry(120, "default"));

        Map<String, Object> rendered = config.toMap();

        assertEquals(expected, rendered);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(rendered.keySet()));
    }

    @Test
    void renderedMapIsImmutable() {
        Map<String, Object> rendered = ServingConfigLoader.load(List.of(), Map.of()).toMap();

        assertThrows(UnsupportedOperationException.class, () -> rendered.put("port", 1));
    }

    @Test
    void logLine() {
        String line = ServingConfigLoader.load(List.of("--port", "9000"), Map.of()).toString();

        assertEquals("option.model_id=null (default), option.task=text-generation (default), "
                + "option.rolling_batch=lmi-dist (default), "
                + "option.dtype=auto (default), option.quantize=null (default), option.kv_cache_dtype=auto (default), "
                + "option.device=auto (default), "
                + "option.tensor_parallel_degree=1 (default), option.max_model_len=null (default), "
                + "option.max_rolling_batch_size=64 (default), option.max_num_batched_tokens=2048 (default), "
                + "option.enable_chunked_prefill=true (default), option.batching=continuous (default), "
                + "option.speculative_length=0 (default), option.ngram_prompt_lookup=false (default), "
                + "option.speculative_draft_model=null (default), "
                + "option.block_size=16 (default), option.enable_prefix_caching=true (default), "
                + "option.kv_cache_bytes=null (default), option.gpu_memory_utilization=0.9 (default), "
                + "option.python_executable=null (default), option.enable_lora=false (default), "
                + "option.max_loras=4 (default), option.max_lora_rank=16 (default), option.adapters=null (default), "
                + "option.pooling=mean (default), "
                + "option.normalize=true (default), option.truncate=false (default), "
                + "option.batch_size=32 (default), option.max_batch_delay=0 (default), option.api_key=null (default), "
                + "job_queue_size=1000 (default), model_name=model (default), port=9000 (command line), "
                + "bind_address=0.0.0.0 (default), management_address=http://127.0.0.1:8081 (default), "
                + "max_payload_bytes=6291456 (default), worker_startup_timeout_s=600 (default), "
                + "worker_max_restarts=5 (default), worker_restart_window_s=600 (default), "
                + "graceful_shutdown_timeout_s=30 (default), request_timeout_s=0 (default), "
                + "max_stream_buffer_bytes=1048576 (default), request_read_timeout_s=60 (default), "
                + "keep_alive_timeout_s=120 (default)", line);
    }

    @Test
    void theApiKeyIsRedactedInTheMapAndTheLogLine() {
        String key = "sk-secret-1234";
        ServingConfig config = ServingConfigLoader.load(List.of(), Map.of("OPTION_API_KEY", key));

        assertEquals(entry("****", "environment OPTION_API_KEY"), config.toMap().get("option.api_key"));
        assertTrue(config.toString().contains("option.api_key=**** (environment OPTION_API_KEY)"), config.toString());
        assertFalse(config.toString().contains(key));
        assertFalse(config.toMap().toString().contains(key));
        assertEquals(key, config.apiKey().orElseThrow().reveal());
    }

    @Test
    void managementAddressAcceptsAnyHostAndPortZero() {
        assertEquals(new ListenAddress("0.0.0.0", 0), ServingConfigLoader.load(
                List.of("--management_address", "http://0.0.0.0:0/"), Map.of()).managementAddress());
        assertEquals(new ListenAddress("[::1]", 9081), ServingConfigLoader.load(
                List.of(), Map.of("SERVING_MANAGEMENT_ADDRESS", "http://[::1]:9081")).managementAddress());
        assertEquals(new ListenAddress("127.0.0.1", 8081),
                ServingConfigLoader.load(List.of(), Map.of()).managementAddress());
    }

    private static Map<String, Object> entry(Object value, String source) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("value", value);
        entry.put("source", source);
        return entry;
    }
}
