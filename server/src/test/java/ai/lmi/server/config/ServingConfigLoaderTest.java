package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.engines.embedding.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingConfigLoaderTest {

    @TempDir
    Path tempDir;

    @Test
    void defaultsWithoutAnySource() {
        ServingConfig config = ServingConfigLoader.load(List.of(), Map.of());

        assertEquals(Optional.empty(), config.modelId());
        assertEquals(Task.TEXT_GENERATION, config.task());
        assertEquals(RollingBatch.LMI_DIST, config.rollingBatch());
        assertEquals(Dtype.AUTO, config.dtype());
        assertEquals(Device.AUTO, config.device());
        assertEquals(1, config.tensorParallelDegree());
        assertEquals(OptionalInt.empty(), config.maxModelLen());
        assertEquals(64, config.maxRollingBatchSize());
        assertEquals(2048, config.maxNumBatchedTokens());
        assertEquals(16, config.blockSize());
        assertTrue(config.enablePrefixCaching());
        assertEquals(OptionalLong.empty(), config.kvCacheBytes());
        assertEquals(0.9, config.gpuMemoryUtilization());
        assertEquals(Optional.empty(), config.pythonExecutable());
        assertEquals(Pooling.MEAN, config.pooling());
        assertTrue(config.normalize());
        assertFalse(config.truncate());
        assertEquals(32, config.batchSize());
        assertEquals(Duration.ZERO, config.maxBatchDelay());
        assertEquals(1000, config.jobQueueSize());
        assertEquals("model", config.modelName());
        assertEquals(8080, config.port());
        assertEquals("0.0.0.0", config.bindAddress());
        assertEquals(6 * 1024 * 1024, config.maxPayloadBytes());
        assertEquals(Duration.ofSeconds(600), config.workerStartupTimeout());
    }

    @Test
    void everyKeyFromTheCommandLine() {
        ServingConfig config = ServingConfigLoader.load(List.of(
                "--model", "/models/llama",
                "--option.task", "text-generation", // tensor parallelism applies to text generation only
                "--option.rolling_batch", "auto",
                "--option.dtype=bf16",
                "--option.device", "cpu",
                "--option.tensor_parallel_degree", "2",
                "--option.max_model_len", "4096",
                "--option.max_rolling_batch_size", "8",
                "--option.max_num_batched_tokens", "512",
                "--option.enable_chunked_prefill", "false",
                "--option.batching", "static",
                "--option.block_size", "32",
                "--option.enable_prefix_caching", "false",
                "--option.kv_cache_bytes", "512m",
                "--option.gpu_memory_utilization", "0.5",
                "--option.python_executable", "/usr/bin/python3",
                "--option.pooling", "cls",
                "--option.normalize", "false",
                "--option.truncate", "true",
                "--option.batch_size", "8",
                "--option.max_batch_delay", "20",
                "--job_queue_size", "10",
                "--model_name", "llama",
                "--port", "9090",
                "--bind_address", "127.0.0.1",
                "--max_payload_bytes", "1048576",
                "--worker_startup_timeout_s", "30"), Map.of());

        assertEquals(Optional.of(Path.of("/models/llama")), config.modelId());
        assertEquals(Task.TEXT_GENERATION, config.task());
        assertEquals("command line", PrecedenceTest.source(config, "option.task"));
        assertEquals(RollingBatch.LMI_DIST, config.rollingBatch());
        assertEquals("auto (from command line): lmi-dist, the only backend of this build; the vllm, trtllm, neuronx"
                + " and transformers adapters are not built", PrecedenceTest.source(config, "option.rolling_batch"));
        assertEquals(Dtype.BFLOAT16, config.dtype());
        assertEquals(Device.CPU, config.device());
        assertEquals(2, config.tensorParallelDegree());
        assertEquals(OptionalInt.of(4096), config.maxModelLen());
        assertEquals(8, config.maxRollingBatchSize());
        assertEquals(512, config.maxNumBatchedTokens());
        assertFalse(config.enableChunkedPrefill());
        assertEquals(Batching.STATIC, config.batching());
        assertEquals(32, config.blockSize());
        assertFalse(config.enablePrefixCaching());
        assertEquals(OptionalLong.of(512L << 20), config.kvCacheBytes());
        assertEquals(0.5, config.gpuMemoryUtilization());
        assertEquals(Optional.of(Path.of("/usr/bin/python3")), config.pythonExecutable());
        assertEquals(Pooling.CLS, config.pooling());
        assertFalse(config.normalize());
        assertTrue(config.truncate());
        assertEquals(8, config.batchSize());
        assertEquals(Duration.ofMillis(20), config.maxBatchDelay());
        assertEquals(10, config.jobQueueSize());
        assertEquals("llama", config.modelName());
        assertEquals(9090, config.port());
        assertEquals("127.0.0.1", config.bindAddress());
        assertEquals(1048576, config.maxPayloadBytes());
        assertEquals(Duration.ofSeconds(30), config.workerStartupTimeout());
    }

    @Test
    void valuesAreTrimmedAndEnumsCaseInsensitive() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--option.rolling_batch", " LMI-DIST ", "--option.dtype", "FP16", "--port", " 81 ",
                        "--option.batching", "Static"), Map.of());

        assertEquals(RollingBatch.LMI_DIST, config.rollingBatch());
        assertEquals(Dtype.FLOAT16, config.dtype());
        assertEquals(Batching.STATIC, config.batching());
        assertEquals(81, config.port());
    }

    @Test
    void servingPropertiesInTheModelDirectoryFromTheCommandLine() throws IOException {
        Files.writeString(tempDir.resolve("serving.properties"), "option.max_model_len=1024\n");

        ServingConfig config = ServingConfigLoader.load(List.of("--model", tempDir.toString()), Map.of());

        assertEquals(OptionalInt.of(1024), config.maxModelLen());
    }

    @Test
    void servingPropertiesInTheModelDirectoryFromTheEnvironment() throws IOException {
        Files.writeString(tempDir.resolve("serving.properties"), "option.max_model_len=1024\n");

        ServingConfig config = ServingConfigLoader.load(List.of(), Map.of("HF_MODEL_ID", tempDir.toString()));

        assertEquals(OptionalInt.of(1024), config.maxModelLen());
        assertEquals(Optional.of(tempDir), config.modelId());
    }

    @Test
    void servingPropertiesMayPointModelIdElsewhere() throws IOException {
        Files.writeString(tempDir.resolve("serving.properties"), "option.model_id=/weights/llama\n");

        ServingConfig config = ServingConfigLoader.load(List.of(), Map.of("HF_MODEL_ID", tempDir.toString()));

        assertEquals(Optional.of(Path.of("/weights/llama")), config.modelId());
        assertEquals("llama", config.modelName());
    }

    @Test
    void modelDirectoryWithoutServingPropertiesIsFine() {
        ServingConfig config = ServingConfigLoader.load(List.of("--model", tempDir.toString()), Map.of());

        assertEquals(16, config.blockSize());
    }

    @Test
    void configFileReplacesTheModelDirectorysFile() throws IOException {
        Path modelDir = Files.createDirectory(tempDir.resolve("model"));
        Files.writeString(modelDir.resolve("serving.properties"), "option.block_size=8\noption.dtype=fp16\n");
        Path configFile = Files.writeString(tempDir.resolve("custom.properties"), "option.block_size=32\n");

        ServingConfig config = ServingConfigLoader.load(
                List.of("--model", modelDir.toString(), "--config", configFile.toString()), Map.of());

        assertEquals(32, config.blockSize());
        assertEquals(configFile.toString(), PrecedenceTest.source(config, "option.block_size"));
        assertEquals(Dtype.AUTO, config.dtype());
    }

    @Test
    void configFileLosesToTheCommandLineAndBeatsTheEnvironment() throws IOException {
        Path configFile = Files.writeString(tempDir.resolve("custom.properties"), "port=7000\njob_queue_size=5\n");

        ServingConfig config = ServingConfigLoader.load(
                List.of("--config=" + configFile, "--port", "7001"), Map.of("SERVING_JOB_QUEUE_SIZE", "6"));

        assertEquals(7001, config.port());
        assertEquals(5, config.jobQueueSize());
    }

    @Test
    void missingConfigFileIsAnError() {
        Path missing = tempDir.resolve("nope.properties");

        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--config", missing.toString()), Map.of()));

        assertEquals("--config " + missing + ": no such file", e.getMessage());
    }

    @Test
    void modelNameIsTheModelDirectorysName() {
        ServingConfig config = ServingConfigLoader.load(List.of("--model", "/opt/models/Qwen2-0.5B/"), Map.of());

        assertEquals("Qwen2-0.5B", config.modelName());
        assertEquals("derived from option.model_id", PrecedenceTest.source(config, "model_name"));
    }

    @Test
    void configuredModelNameBeatsTheDirectorysName() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--model", "/opt/models/Qwen2-0.5B"), Map.of("SERVING_MODEL_NAME", "qwen"));

        assertEquals("qwen", config.modelName());
    }

    @Test
    void invalidValueOverriddenByAStrongerSourceIsHarmless() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--option.block_size", "8"), Map.of("OPTION_BLOCK_SIZE", "zero"));

        assertEquals(8, config.blockSize());
    }

    @Test
    void allInvalidValuesAreReportedTogether() throws IOException {
        Files.writeString(tempDir.resolve("serving.properties"), "option.block_size=0\noption.dtype=int3\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ServingConfigLoader.load(
                List.of("--model", tempDir.toString(), "--port", "http"), Map.of("OPTION_ROLLING_BATCH", "vllm")));

        String file = tempDir.resolve("serving.properties").toString();
        assertEquals(List.of(
                "option.rolling_batch=vllm (from environment OPTION_ROLLING_BATCH): "
                        + "the vllm backend is not installed; use one of lmi-dist, auto",
                "option.dtype=int3 (from " + file + "): "
                        + "must be one of auto, float32, fp32, float16, fp16, bfloat16, bf16",
                "option.block_size=0 (from " + file + "): must be an integer from 1 to 256",
                "port=http (from command line): must be an integer from 0 to 65535"), e.errors());
        assertEquals(String.join("\n", e.errors()), e.getMessage());
    }
}
