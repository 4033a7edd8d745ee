package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InvalidValueMessagesTest {

    private static final String POSITIVE = "must be a positive integer";
    private static final String SIZE_SUFFIX = ", optionally with a suffix k, m, g or t (powers of 1024, e.g. 512m, 4g)";
    private static final String POSITIVE_BYTES = "must be a positive number of bytes" + SIZE_SUFFIX;
    private static final String PAYLOAD_BYTES = "must be a number of bytes from 1 to 2147483647" + SIZE_SUFFIX;
    private static final String FRACTION = "must be a number greater than 0 and at most 1";

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of("option.model_id", "", "must be a file system path"),
                Arguments.of("option.task", "embedding", "must be one of text-generation, text-embedding"),
                Arguments.of("option.rolling_batch", "vllm", notInstalled("vllm")),
                Arguments.of("option.rolling_batch", "trtllm", notInstalled("trtllm")),
                Arguments.of("option.rolling_batch", "neuronx", notInstalled("neuronx")),
                Arguments.of("option.rolling_batch", "transformers", notInstalled("transformers")),
                Arguments.of("option.rolling_batch", "tgi", "must be one of lmi-dist, auto"),
                Arguments.of("option.dtype", "int8", "must be one of auto, float32, fp32, float16, fp16, bfloat16, bf16"),
                Arguments.of("option.device", "tpu", "must be one of auto, cpu, cuda"),
                Arguments.of("option.quantize", "int4", "must be one of int8, fp8, gptq, awq"),
                Arguments.of("option.kv_cache_dtype", "fp8", "must be one of auto, float16, fp16"),
                Arguments.of("option.tensor_parallel_degree", "0", POSITIVE),
                Arguments.of("option.tensor_parallel_degree", "max", POSITIVE),
                Arguments.of("option.max_model_len", "-1", POSITIVE),
                Arguments.of("option.max_model_len", "1.5", POSITIVE),
                Arguments.of("option.max_rolling_batch_size", "0", POSITIVE),
                Arguments.of("option.max_num_batched_tokens", "2k", POSITIVE),
                Arguments.of("option.enable_chunked_prefill", "off", "must be true or false"),
                Arguments.of("option.batching", "dynamic", "must be one of continuous, static"),
                Arguments.of("option.speculative_length", "65", "must be an integer from 0 to 64"),
                Arguments.of("option.ngram_prompt_lookup", "yes", "must be true or false"),
                Arguments.of("option.speculative_draft_model", "", "must be a file system path"),
                Arguments.of("option.block_size", "0", "must be an integer from 1 to 256"),
                Arguments.of("option.block_size", "257", "must be an integer from 1 to 256"),
                Arguments.of("option.block_size", "", "must be an integer from 1 to 256"),
                Arguments.of("option.enable_prefix_caching", "yes", "must be true or false"),
                Arguments.of("option.kv_cache_bytes", "0", POSITIVE_BYTES),
                Arguments.of("option.kv_cache_bytes", "-1", POSITIVE_BYTES),
                Arguments.of("option.kv_cache_bytes", "4GB", POSITIVE_BYTES),
                Arguments.of("option.kv_cache_bytes", "1.5g", POSITIVE_BYTES),
                Arguments.of("option.kv_cache_bytes", "99999999t", POSITIVE_BYTES),
                Arguments.of("option.kv_cache_bytes", "99999999999999999999", POSITIVE_BYTES),
                Arguments.of("option.gpu_memory_utilization", "0", FRACTION),
                Arguments.of("option.gpu_memory_utilization", "1.01", FRACTION),
                Arguments.of("option.gpu_memory_utilization", "NaN", FRACTION),
                Arguments.of("option.gpu_memory_utilization", "most", FRACTION),
                Arguments.of("option.python_executable", "", "must be a file system path"),
                Arguments.of("option.enable_lora", "on", "must be true or false"),
                Arguments.of("option.max_loras", "0", POSITIVE),
                Arguments.of("option.max_lora_rank", "0", "must be an integer from 1 to 512"),
                Arguments.of("option.max_lora_rank", "1024", "must be an integer from 1 to 512"),
                Arguments.of("option.adapters", "", "must be a file system path"),
                Arguments.of("option.pooling", "max", "must be one of mean, cls, last"),
                Arguments.of("option.normalize", "1", "must be true or false"),
                Arguments.of("option.truncate", "left", "must be true or false"),
                Arguments.of("option.batch_size", "0", POSITIVE),
                Arguments.of("option.max_batch_delay", "5ms", "must be an integer from 0 to 60000"),
                Arguments.of("option.max_batch_delay", "-1", "must be an integer from 0 to 60000"),
                Arguments.of("option.api_key", "", "must not be empty; leave the key unset to serve without one"),
                Arguments.of("option.api_key", "  ", "must not be empty; leave the key unset to serve without one"),
                Arguments.of("job_queue_size", "0", POSITIVE),
                Arguments.of("model_name", "org/llama", "must be a non-empty name without '/'"),
                Arguments.of("model_name", "", "must be a non-empty name without '/'"),
                Arguments.of("port", "65536", "must be an integer from 0 to 65535"),
                Arguments.of("port", "-1", "must be an integer from 0 to 65535"),
                Arguments.of("bind_address", "", "must not be empty"),
                Arguments.of("management_address", "127.0.0.1:8081", ListenAddress.ALLOWED),
                Arguments.of("management_address", "http://127.0.0.1", ListenAddress.ALLOWED),
                Arguments.of("management_address", "https://127.0.0.1:8081", ListenAddress.ALLOWED),
                Arguments.of("management_address", "http://127.0.0.1:65536", ListenAddress.ALLOWED),
                Arguments.of("management_address", "http://127.0.0.1:8081/manage", ListenAddress.ALLOWED),
                Arguments.of("management_address", "http://admin@127.0.0.1:8081", ListenAddress.ALLOWED),
                Arguments.of("management_address", "http://:8081", ListenAddress.ALLOWED),
                Arguments.of("management_address", "", ListenAddress.ALLOWED),
                Arguments.of("max_payload_bytes", "2g", PAYLOAD_BYTES),
                Arguments.of("max_payload_bytes", "0", PAYLOAD_BYTES),
                Arguments.of("worker_startup_timeout_s", "0", POSITIVE),
                Arguments.of("worker_max_restarts", "-1", "must be an integer from 0 to 1000"),
                Arguments.of("worker_restart_window_s", "0", "must be an integer from 1 to 86400"),
                Arguments.of("graceful_shutdown_timeout_s", "-1", "must be an integer from 0 to 86400"),
                Arguments.of("request_timeout_s", "90000", "must be an integer from 0 to 86400"),
                Arguments.of("max_stream_buffer_bytes", "0", POSITIVE_BYTES),
                Arguments.of("max_stream_buffer_bytes", "lots", POSITIVE_BYTES),
                Arguments.of("request_read_timeout_s", "-1", "must be an integer from 0 to 86400"),
                Arguments.of("keep_alive_timeout_s", "1m", "must be an integer from 0 to 86400"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("invalidValues")
    void messageNamesKeyValueSourceAndWhatIsAllowed(String key, String value, String allowed) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--" + key + "=" + value), Map.of()));

        assertEquals(key + "=" + value + " (from command line): " + allowed, e.getMessage());
    }

    @ParameterizedTest(name = "every key is covered: {0}")
    @MethodSource("keyNames")
    void everyKeyHasAnInvalidValueCase(String key) {
        assertTrue(invalidValues().anyMatch(arguments -> arguments.get()[0].equals(key)));
    }

    static Stream<String> keyNames() {
        return ConfigKeys.ALL.stream().map(ConfigKey::name);
    }

    private static String notInstalled(String backend) {
        return "the " + backend + " backend is not installed; use one of lmi-dist, auto";
    }
}
