package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvironmentVariablesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "OPTION_MAX_MODEL_LEN, option.max_model_len",
        "OPTION_ROLLING_BATCH, option.rolling_batch",
        "SERVING_PORT, port",
        "SERVING_JOB_QUEUE_SIZE, job_queue_size",
        "HF_MODEL_ID, option.model_id",
        "TENSOR_PARALLEL_DEGREE, option.tensor_parallel_degree",
        "MAX_BATCH_SIZE, option.max_rolling_batch_size",
        "MAX_CONCURRENT_REQUESTS, job_queue_size",
        "SM_NUM_GPUS, option.tensor_parallel_degree",
    })
    void variableSetsKey(String variable, String key) {
        Map<String, ConfigEntry> entries = EnvironmentVariables.read(Map.of(variable, "4"));

        assertEquals(Map.of(key, new ConfigEntry(key, "4", ConfigSource.environment(variable))), entries);
    }

    @Test
    void otherVariablesAreNotRead() {
        assertEquals(Map.of(), EnvironmentVariables.read(Map.of("PATH", "/usr/bin", "HOME", "/root", "PORT", "1")));
    }

    @Test
    void prefixedVariableBeatsSimpleName() {
        Map<String, ConfigEntry> entries = EnvironmentVariables.read(Map.of(
                "OPTION_TENSOR_PARALLEL_DEGREE", "2", "TENSOR_PARALLEL_DEGREE", "4", "SM_NUM_GPUS", "8",
                "OPTION_MAX_ROLLING_BATCH_SIZE", "16", "MAX_BATCH_SIZE", "32",
                "SERVING_JOB_QUEUE_SIZE", "10", "MAX_CONCURRENT_REQUESTS", "20",
                "OPTION_MODEL_ID", "/a", "HF_MODEL_ID", "/b"));

        assertEquals("2", entries.get("option.tensor_parallel_degree").value());
        assertEquals("16", entries.get("option.max_rolling_batch_size").value());
        assertEquals("10", entries.get("job_queue_size").value());
        assertEquals("/a", entries.get("option.model_id").value());
    }

    @Test
    void tensorParallelDegreeBeatsGpuCount() {
        Map<String, ConfigEntry> entries =
                EnvironmentVariables.read(Map.of("TENSOR_PARALLEL_DEGREE", "2", "SM_NUM_GPUS", "8"));

        assertEquals(ConfigSource.environment("TENSOR_PARALLEL_DEGREE"),
                entries.get("option.tensor_parallel_degree").source());
    }

    @Test
    void noGpusOnACpuInstanceKeepsOneWorker() {
        ServingConfig config = ServingConfigLoader.load(List.of(), Map.of("SM_NUM_GPUS", "0"));

        assertEquals(1, config.tensorParallelDegree());
    }

    @Test
    void loaderAppliesEnvironmentValues() {
        ServingConfig config = ServingConfigLoader.load(List.of(), Map.of(
                "HF_MODEL_ID", "/opt/ml/model",
                "SM_NUM_GPUS", "4",
                "MAX_BATCH_SIZE", "32",
                "MAX_CONCURRENT_REQUESTS", "50",
                "OPTION_KV_CACHE_BYTES", "2g",
                "SERVING_BIND_ADDRESS", "127.0.0.1"));

        assertEquals(Optional.of(Path.of("/opt/ml/model")), config.modelId());
        assertEquals(4, config.tensorParallelDegree());
        assertEquals(32, config.maxRollingBatchSize());
        assertEquals(50, config.jobQueueSize());
        assertEquals(2L << 30, config.kvCacheBytes().getAsLong());
        assertEquals("127.0.0.1", config.bindAddress());
        assertEquals("environment SM_NUM_GPUS", PrecedenceTest.source(config, "option.tensor_parallel_degree"));
    }
}
