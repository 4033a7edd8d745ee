package ai.lmi.server.config;

import ai.lmi.engines.embedding.Pooling;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** The effective serving configuration: immutable, built once by {@link ServingConfigLoader}, passed in. */
public final class ServingConfig {

    private final Map<String, Setting> settings;

    ServingConfig(Map<String, Setting> settings) {
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** {@code option.model_id}: the model directory as configured, unresolved; empty when none was given. */
    public Optional<Path> modelId() {
        return Optional.ofNullable(value(ConfigKeys.MODEL_ID));
    }

    /**
     * {@code option.task}: when unset, {@code text-embedding} for a model directory the embedding engine can serve,
     * else {@code text-generation}.
     */
    public Task task() {
        return value(ConfigKeys.TASK);
    }

    /** {@code option.rolling_batch}, default {@code lmi-dist}. */
    public RollingBatch rollingBatch() {
        return value(ConfigKeys.ROLLING_BATCH);
    }

    /** {@code option.dtype}, default {@code auto}. */
    public Dtype dtype() {
        return value(ConfigKeys.DTYPE);
    }

    /** {@code option.kv_cache_dtype}, default {@code auto}: the compute dtype. */
    public KvCacheDtype kvCacheDtype() {
        return value(ConfigKeys.KV_CACHE_DTYPE);
    }

    /** {@code option.quantize}; empty: as the checkpoint's {@code quantization_config} says, else float. */
    public Optional<Quantization> quantize() {
        return Optional.ofNullable(value(ConfigKeys.QUANTIZE));
    }

    /** {@code option.device}, default {@code auto}. */
    public Device device() {
        return value(ConfigKeys.DEVICE);
    }

    /** {@code option.tensor_parallel_degree}: worker processes per model, default 1. */
    public int tensorParallelDegree() {
        return value(ConfigKeys.TENSOR_PARALLEL_DEGREE);
    }

    /** {@code option.max_model_len}; empty means the model's own maximum. */
    public OptionalInt maxModelLen() {
        Integer value = value(ConfigKeys.MAX_MODEL_LEN);
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }

    /** {@code option.max_rolling_batch_size}: sequences per step, default 64. */
    public int maxRollingBatchSize() {
        return value(ConfigKeys.MAX_ROLLING_BATCH_SIZE);
    }

    /** {@code option.max_num_batched_tokens}: the token budget of one step, default 2048. */
    public int maxNumBatchedTokens() {
        return value(ConfigKeys.MAX_NUM_BATCHED_TOKENS);
    }

    /**
     * {@code option.enable_chunked_prefill}, default true: a prompt longer than what is left of a step's budget
     * is prefilled over several steps; when false it waits for a step with room for all of it.
     */
    public boolean enableChunkedPrefill() {
        return value(ConfigKeys.ENABLE_CHUNKED_PREFILL);
    }

    /** {@code option.batching}, default {@code continuous}; {@code static} is a benchmark baseline. */
    public Batching batching() {
        return value(ConfigKeys.BATCHING);
    }

    /**
     * Draft tokens a decoding sequence may gain per step: {@code option.speculative_length} when
     * {@code option.ngram_prompt_lookup} is on or {@code option.speculative_draft_model} is set (the loader refuses a
     * length without a proposer and the other way round), 0 when off.
     */
    public int speculativeLength() {
        return value(ConfigKeys.NGRAM_PROMPT_LOOKUP) || value(ConfigKeys.SPECULATIVE_DRAFT_MODEL) != null
                ? value(ConfigKeys.SPECULATIVE_LENGTH) : 0;
    }

    /** {@code option.speculative_draft_model}: the draft model's directory, when drafts come from one. */
    public Optional<Path> speculativeDraftModel() {
        return Optional.ofNullable(value(ConfigKeys.SPECULATIVE_DRAFT_MODEL));
    }

    /** {@code option.block_size}: tokens per KV-cache block, default 16. */
    public int blockSize() {
        return value(ConfigKeys.BLOCK_SIZE);
    }

    /** {@code option.enable_prefix_caching}, default true. */
    public boolean enablePrefixCaching() {
        return value(ConfigKeys.ENABLE_PREFIX_CACHING);
    }

    /** {@code option.kv_cache_bytes}: the CPU KV-cache budget; empty means the worker decides. */
    public OptionalLong kvCacheBytes() {
        Long value = value(ConfigKeys.KV_CACHE_BYTES);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** {@code option.gpu_memory_utilization}: share of GPU memory for weights and KV cache, default 0.9. */
    public double gpuMemoryUtilization() {
        return value(ConfigKeys.GPU_MEMORY_UTILIZATION);
    }

    /** {@code option.python_executable}; empty means auto-detect a Python that imports torch. */
    public Optional<Path> pythonExecutable() {
        return Optional.ofNullable(value(ConfigKeys.PYTHON_EXECUTABLE));
    }

    /** {@code option.enable_lora}: whether the model serves LoRA adapters, default false. */
    public boolean enableLora() {
        return value(ConfigKeys.ENABLE_LORA);
    }

    /** {@code option.max_loras}: how many adapters one step's batch may mix, default 4. */
    public int maxLoras() {
        return value(ConfigKeys.MAX_LORAS);
    }

    /** {@code option.max_lora_rank}: the largest adapter rank served (1 to 512), default 16. */
    public int maxLoraRank() {
        return value(ConfigKeys.MAX_LORA_RANK);
    }

    /**
     * {@code option.adapters}: the directory whose subdirectories are loaded as adapters at start-up; by default
     * {@code <model_dir>/adapters} when LoRA is on and it exists, else empty. Set only with LoRA on.
     */
    public Optional<Path> adapters() {
        return Optional.ofNullable(value(ConfigKeys.ADAPTERS));
    }

    /** {@code option.pooling}: how an embedding model's token vectors become one, default {@code mean}. */
    public Pooling pooling() {
        return value(ConfigKeys.POOLING);
    }

    /** {@code option.normalize}: whether embeddings are scaled to unit length, default true. */
    public boolean normalize() {
        return value(ConfigKeys.NORMALIZE);
    }

    /** {@code option.truncate}: whether an embedding input over max_model_len is cut, not refused; default false. */
    public boolean truncate() {
        return value(ConfigKeys.TRUNCATE);
    }

    /** {@code option.batch_size}: inputs per forward pass of the embedding engine, default 32. */
    public int batchSize() {
        return value(ConfigKeys.BATCH_SIZE);
    }

    /** {@code option.max_batch_delay}: how long the embedding batcher waits to fill a batch, default 0. */
    public Duration maxBatchDelay() {
        return Duration.ofMillis(value(ConfigKeys.MAX_BATCH_DELAY));
    }

    /** {@code option.api_key}: when set, every route but {@code GET /ping} needs it; empty when unset. */
    public Optional<Secret> apiKey() {
        return Optional.ofNullable(value(ConfigKeys.API_KEY));
    }

    /** {@code job_queue_size}: requests admitted before new ones get 503, default 1000. */
    public int jobQueueSize() {
        return value(ConfigKeys.JOB_QUEUE_SIZE);
    }

    /** {@code model_name}, default the model directory's name ({@code model} without one). */
    public String modelName() {
        return value(ConfigKeys.MODEL_NAME);
    }

    /** {@code port}, default 8080; 0 picks a free port. */
    public int port() {
        return value(ConfigKeys.PORT);
    }

    /** {@code bind_address}, default {@code 0.0.0.0}. */
    public String bindAddress() {
        return value(ConfigKeys.BIND_ADDRESS);
    }

    /** {@code management_address}: where the management routes listen, default {@code http://127.0.0.1:8081}. */
    public ListenAddress managementAddress() {
        return value(ConfigKeys.MANAGEMENT_ADDRESS);
    }

    /** {@code max_payload_bytes}: the largest request body, default 6 MiB. */
    public int maxPayloadBytes() {
        return Math.toIntExact(value(ConfigKeys.MAX_PAYLOAD_BYTES));
    }

    /** {@code worker_startup_timeout_s}: how long a worker may take to load, default 600 s. */
    public Duration workerStartupTimeout() {
        return Duration.ofSeconds(value(ConfigKeys.WORKER_STARTUP_TIMEOUT_S));
    }

    /** {@code worker_max_restarts}: worker failures tolerated within {@link #workerRestartWindow()}. */
    public int workerMaxRestarts() {
        return value(ConfigKeys.WORKER_MAX_RESTARTS);
    }

    /** {@code worker_restart_window_s}: the sliding window that {@link #workerMaxRestarts()} counts failures in. */
    public Duration workerRestartWindow() {
        return Duration.ofSeconds(value(ConfigKeys.WORKER_RESTART_WINDOW_S));
    }

    /** {@code graceful_shutdown_timeout_s}: on SIGTERM, the wait for requests in flight. */
    public Duration gracefulShutdownTimeout() {
        return Duration.ofSeconds(value(ConfigKeys.GRACEFUL_SHUTDOWN_TIMEOUT_S));
    }

    /** {@code request_timeout_s}: how long a request may take before it is stopped and answered 504; zero: no limit. */
    public Duration requestTimeout() {
        return Duration.ofSeconds(value(ConfigKeys.REQUEST_TIMEOUT_S));
    }

    /**
     * {@code max_stream_buffer_bytes}: how much of a stream may wait for its client to read before the stream is
     * stopped, default 1 MiB.
     */
    public long maxStreamBufferBytes() {
        return value(ConfigKeys.MAX_STREAM_BUFFER_BYTES);
    }

    /** {@code request_read_timeout_s}: how long a request's head and body may take to arrive; zero: no limit. */
    public Duration requestReadTimeout() {
        return Duration.ofSeconds(value(ConfigKeys.REQUEST_READ_TIMEOUT_S));
    }

    /** {@code keep_alive_timeout_s}: how long a connection may wait for its next request; zero: no limit. */
    public Duration keepAliveTimeout() {
        return Duration.ofSeconds(value(ConfigKeys.KEEP_ALIVE_TIMEOUT_S));
    }

    /**
     * Every key in a fixed order, each as {@code {"value": v, "source": s}}: v is a string, number,
     * boolean or null (unset), s one of {@code command line}, a file path,
     * {@code environment VARIABLE}, {@code default} or {@code derived from KEY}.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        settings.forEach((key, setting) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("value", renderedValue(setting.value()));
            entry.put("source", setting.source().toString());
            map.put(key, Collections.unmodifiableMap(entry));
        });
        return Collections.unmodifiableMap(map);
    }

    /** One line for the start-up log: {@code key=value (source), ...}. */
    @Override
    public String toString() {
        return settings.entrySet().stream()
                .map(e -> e.getKey() + "=" + renderedValue(e.getValue().value()) + " (" + e.getValue().source() + ")")
                .collect(Collectors.joining(", "));
    }

    private <T> T value(ConfigKey<T> key) {
        return key.type().cast(settings.get(key.name()).value());
    }

    // Numbers, booleans and null stay as they are for JSON; enums and paths become their configured text, and a
    // Secret its redaction.
    private static Object renderedValue(Object value) {
        if (value instanceof Enum<?> constant) {
            return ConfigValues.configName(constant);
        }
        return value == null || value instanceof Number || value instanceof Boolean ? value : value.toString();
    }
}
