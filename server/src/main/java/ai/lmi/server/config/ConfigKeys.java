package ai.lmi.server.config;

import ai.lmi.engines.embedding.Pooling;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every key the server knows, in the order the effective configuration lists them. */
final class ConfigKeys {

    static final ConfigKey<Path> MODEL_ID = new ConfigKey<>("option.model_id", Path.class, ValueParsers.path(), null);
    /** Unset: detected from the model directory's files. */
    static final ConfigKey<Task> TASK =
            new ConfigKey<>("option.task", Task.class, ValueParsers.oneOf(Task.class), null);
    static final ConfigKey<RollingBatch> ROLLING_BATCH =
            new ConfigKey<>("option.rolling_batch", RollingBatch.class, RollingBatch::fromConfigName, "lmi-dist");
    static final ConfigKey<Dtype> DTYPE =
            new ConfigKey<>("option.dtype", Dtype.class, ValueParsers.oneOf(Dtype.class), "auto");
    /** Unset: the checkpoint's quantization_config, float weights when it has none. */
    static final ConfigKey<Quantization> QUANTIZE =
            new ConfigKey<>("option.quantize", Quantization.class, ValueParsers.oneOf(Quantization.class), null);
    static final ConfigKey<KvCacheDtype> KV_CACHE_DTYPE =
            new ConfigKey<>("option.kv_cache_dtype", KvCacheDtype.class, ValueParsers.oneOf(KvCacheDtype.class), "auto");
    static final ConfigKey<Device> DEVICE =
            new ConfigKey<>("option.device", Device.class, ValueParsers.oneOf(Device.class), "auto");
    static final ConfigKey<Integer> TENSOR_PARALLEL_DEGREE =
            new ConfigKey<>("option.tensor_parallel_degree", Integer.class, ValueParsers.positiveInteger(), "1");
    /** Unset: the model's own maximum (max_position_embeddings), as the worker reports it. */
    static final ConfigKey<Integer> MAX_MODEL_LEN =
            new ConfigKey<>("option.max_model_len", Integer.class, ValueParsers.positiveInteger(), null);
    static final ConfigKey<Integer> MAX_ROLLING_BATCH_SIZE =
            new ConfigKey<>("option.max_rolling_batch_size", Integer.class, ValueParsers.positiveInteger(), "64");
    static final ConfigKey<Integer> MAX_NUM_BATCHED_TOKENS =
            new ConfigKey<>("option.max_num_batched_tokens", Integer.class, ValueParsers.positiveInteger(), "2048");
    static final ConfigKey<Boolean> ENABLE_CHUNKED_PREFILL =
            new ConfigKey<>("option.enable_chunked_prefill", Boolean.class, ValueParsers.bool(), "true");
    static final ConfigKey<Batching> BATCHING =
            new ConfigKey<>("option.batching", Batching.class, ValueParsers.oneOf(Batching.class), "continuous");
    /** Draft tokens a decoding sequence may gain per step; speculation needs a proposer too (n-grams or a draft). */
    static final ConfigKey<Integer> SPECULATIVE_LENGTH =
            new ConfigKey<>("option.speculative_length", Integer.class, ValueParsers.integer(0, 64), "0");
    static final ConfigKey<Boolean> NGRAM_PROMPT_LOOKUP =
            new ConfigKey<>("option.ngram_prompt_lookup", Boolean.class, ValueParsers.bool(), "false");
    /** A smaller model with the same tokenizer whose greedy tokens are the drafts; it loads into the worker too. */
    static final ConfigKey<Path> SPECULATIVE_DRAFT_MODEL =
            new ConfigKey<>("option.speculative_draft_model", Path.class, ValueParsers.path(), null);
    static final ConfigKey<Integer> BLOCK_SIZE =
            new ConfigKey<>("option.block_size", Integer.class, ValueParsers.integer(1, 256), "16");
    static final ConfigKey<Boolean> ENABLE_PREFIX_CACHING =
            new ConfigKey<>("option.enable_prefix_caching", Boolean.class, ValueParsers.bool(), "true");
    /** Unset: the worker sizes the CPU KV cache from free memory. */
    static final ConfigKey<Long> KV_CACHE_BYTES =
            new ConfigKey<>("option.kv_cache_bytes", Long.class, ValueParsers.byteSize(Long.MAX_VALUE), null);
    static final ConfigKey<Double> GPU_MEMORY_UTILIZATION =
            new ConfigKey<>("option.gpu_memory_utilization", Double.class, ValueParsers.fraction(), "0.9");
    /** Unset: the serving code looks for a Python that imports torch. */
    static final ConfigKey<Path> PYTHON_EXECUTABLE =
            new ConfigKey<>("option.python_executable", Path.class, ValueParsers.path(), null);
    static final ConfigKey<Boolean> ENABLE_LORA =
            new ConfigKey<>("option.enable_lora", Boolean.class, ValueParsers.bool(), "false");
    /** Adapters one step's batch may mix; requests for others wait. */
    static final ConfigKey<Integer> MAX_LORAS =
            new ConfigKey<>("option.max_loras", Integer.class, ValueParsers.positiveInteger(), "4");
    static final ConfigKey<Integer> MAX_LORA_RANK =
            new ConfigKey<>("option.max_lora_rank", Integer.class, ValueParsers.integer(1, 512), "16");
    /** Unset: {@code <model_dir>/adapters} when LoRA is on and that directory exists, as LMI reads it. */
    static final ConfigKey<Path> ADAPTERS = new ConfigKey<>("option.adapters", Path.class, ValueParsers.path(), null);
    static final ConfigKey<Pooling> POOLING =
            new ConfigKey<>("option.pooling", Pooling.class, ValueParsers.oneOf(Pooling.class), "mean");
    static final ConfigKey<Boolean> NORMALIZE =
            new ConfigKey<>("option.normalize", Boolean.class, ValueParsers.bool(), "true");
    static final ConfigKey<Boolean> TRUNCATE =
            new ConfigKey<>("option.truncate", Boolean.class, ValueParsers.bool(), "false");
    /** Inputs per forward pass of the embedding engine. */
    static final ConfigKey<Integer> BATCH_SIZE =
            new ConfigKey<>("option.batch_size", Integer.class, ValueParsers.positiveInteger(), "32");
    /**
     * Milliseconds the embedding batcher waits for more inputs while a batch is not full. 0 by default: batches
     * still form from what queues while one runs, and any wait measured slower (docs/benchmarks.md).
     */
    static final ConfigKey<Integer> MAX_BATCH_DELAY =
            new ConfigKey<>("option.max_batch_delay", Integer.class, ValueParsers.integer(0, 60000), "0");
    /** Unset: no key is asked for. */
    static final ConfigKey<Secret> API_KEY =
            new ConfigKey<>("option.api_key", Secret.class, ValueParsers.secret(), null);
    static final ConfigKey<Integer> JOB_QUEUE_SIZE =
            new ConfigKey<>("job_queue_size", Integer.class, ValueParsers.positiveInteger(), "1000");
    /** Unset: derived from the model directory's name. */
    static final ConfigKey<String> MODEL_NAME = new ConfigKey<>("model_name", String.class, ValueParsers.modelName(), null);
    static final ConfigKey<Integer> PORT = new ConfigKey<>("port", Integer.class, ValueParsers.integer(0, 65535), "8080");
    static final ConfigKey<String> BIND_ADDRESS =
            new ConfigKey<>("bind_address", String.class, ValueParsers.nonEmptyText(), "0.0.0.0");
    /** DJL Serving's management address: this machine only. */
    static final ConfigKey<ListenAddress> MANAGEMENT_ADDRESS = new ConfigKey<>("management_address",
            ListenAddress.class, ValueParsers.listenAddress(), "http://127.0.0.1:8081");
    /** 6 MiB, SageMaker's default payload limit; at most what one Netty aggregate can hold. */
    static final ConfigKey<Long> MAX_PAYLOAD_BYTES =
            new ConfigKey<>("max_payload_bytes", Long.class, ValueParsers.byteSize(Integer.MAX_VALUE), "6m");
    /** On SIGTERM: how long requests in flight may take to finish before the server exits anyway. */
    static final ConfigKey<Integer> GRACEFUL_SHUTDOWN_TIMEOUT_S =
            new ConfigKey<>("graceful_shutdown_timeout_s", Integer.class, ValueParsers.integer(0, 86400), "30");
    /** How long a request may take, queueing included, before it is stopped and answered 504; 0: no limit. */
    static final ConfigKey<Integer> REQUEST_TIMEOUT_S =
            new ConfigKey<>("request_timeout_s", Integer.class, ValueParsers.integer(0, 86400), "0");
    /**
     * 1 MiB: over the kernel's socket buffer, a stream's client may fall about a thousand events behind (more than a
     * long generation with top logprobs) before its stream is stopped, so a paused reader survives and one that
     * never reads holds at most this much.
     */
    static final ConfigKey<Long> MAX_STREAM_BUFFER_BYTES =
            new ConfigKey<>("max_stream_buffer_bytes", Long.class, ValueParsers.byteSize(Long.MAX_VALUE), "1m");
    /** nginx's client_header_timeout and client_body_timeout: 60 s for a request's head and body to arrive. */
    static final ConfigKey<Integer> REQUEST_READ_TIMEOUT_S =
            new ConfigKey<>("request_read_timeout_s", Integer.class, ValueParsers.integer(0, 86400), "60");
    /**
     * Over the 60 s idle timeout of AWS load balancers, which then close idle connections first: a server closing
     * one as the balancer reuses it would fail that request.
     */
    static final ConfigKey<Integer> KEEP_ALIVE_TIMEOUT_S =
            new ConfigKey<>("keep_alive_timeout_s", Integer.class, ValueParsers.integer(0, 86400), "120");
    static final ConfigKey<Integer> WORKER_STARTUP_TIMEOUT_S =
            new ConfigKey<>("worker_startup_timeout_s", Integer.class, ValueParsers.positiveInteger(), "600");
    /** Worker failures (deaths and failed starts) tolerated within the window; one more and the server gives up. */
    static final ConfigKey<Integer> WORKER_MAX_RESTARTS =
            new ConfigKey<>("worker_max_restarts", Integer.class, ValueParsers.integer(0, 1000), "5");
    static final ConfigKey<Integer> WORKER_RESTART_WINDOW_S =
            new ConfigKey<>("worker_restart_window_s", Integer.class, ValueParsers.integer(1, 86400), "600");

    static final List<ConfigKey<?>> ALL = List.of(MODEL_ID, TASK, ROLLING_BATCH, DTYPE, QUANTIZE, KV_CACHE_DTYPE, DEVICE,
            TENSOR_PARALLEL_DEGREE, MAX_MODEL_LEN, MAX_ROLLING_BATCH_SIZE, MAX_NUM_BATCHED_TOKENS, ENABLE_CHUNKED_PREFILL, BATCHING,
            SPECULATIVE_LENGTH, NGRAM_PROMPT_LOOKUP, SPECULATIVE_DRAFT_MODEL, BLOCK_SIZE, ENABLE_PREFIX_CACHING, KV_CACHE_BYTES, GPU_MEMORY_UTILIZATION, PYTHON_EXECUTABLE, ENABLE_LORA,
            MAX_LORAS, MAX_LORA_RANK, ADAPTERS, POOLING, NORMALIZE, TRUNCATE, BATCH_SIZE, MAX_BATCH_DELAY, API_KEY,
            JOB_QUEUE_SIZE, MODEL_NAME, PORT, BIND_ADDRESS, MANAGEMENT_ADDRESS, MAX_PAYLOAD_BYTES,
            WORKER_STARTUP_TIMEOUT_S, WORKER_MAX_RESTARTS, WORKER_RESTART_WINDOW_S, GRACEFUL_SHUTDOWN_TIMEOUT_S,
            REQUEST_TIMEOUT_S, MAX_STREAM_BUFFER_BYTES, REQUEST_READ_TIMEOUT_S, KEEP_ALIVE_TIMEOUT_S);

    private static final Map<String, ConfigKey<?>> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));

    private ConfigKeys() {}

    static boolean isKnown(String name) {
        return BY_NAME.containsKey(name);
    }
}
