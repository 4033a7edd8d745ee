package ai.lmi.server.metrics;

import ai.lmi.server.scheduler.SchedulerStats;
import java.util.Arrays;

/**
 * The metrics the server publishes at {@code GET /metrics}. The engine loop reports scheduler state and
 * timings, the embedding engine its batches; the HTTP layer counts finished generation and embedding requests
 * by status.
 *
 * <p>{@code lmi_requests_total{status}} carries the HTTP status a request ended with: the
 * response code, except that a stream that ended with an in-band error counts as {@code 500} and a
 * request whose client went away first, or stopped reading its stream, counts as {@code 499} (nginx's "client
 * closed request").
 */
public final class ServerMetrics {

    /** Status label for a request whose client disconnected, or stopped reading, before it finished. */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    // Latency buckets follow vLLM's (vllm/engine/metrics.py), which dashboards for LLM servers expect.
    private static final double[] TIME_TO_FIRST_TOKEN_BUCKETS = {
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80
    };
    private static final double[] TIME_PER_OUTPUT_TOKEN_BUCKETS = {
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10
    };
    // Step phases range from tens of microseconds (IPC) to seconds (a large CPU prefill).
    private static final double[] STEP_BUCKETS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
    };
    // Powers of two up to a large max_rolling_batch_size.
    private static final double[] BATCH_SIZE_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    private static final double NANOS_PER_SECOND = 1e9;

    private final MetricRegistry registry = new MetricRegistry();
    /** Written by the engine loop once per step, read by scrapes. */
    private volatile SchedulerStats scheduler = new SchedulerStats(0, 0, 0, 0, 0, 0, 0);
    private final Counter requests;
    private final Counter slowClientAborts;
    private final Histogram timeToFirstToken;
    private final Histogram timePerOutputToken;
    private final Histogram step;
    private final Counter stepTokens;
    private final Histogram stepBatchSize;
    private final Histogram embeddingBatchSize;
    private final Histogram embeddingBatchTime;
    private final Counter embeddingBatchTokens;
    private final Counter workerRestarts;
    private final Counter resumedRequests;
    private final Counter specLookaheadSlots;
    private final Counter specAcceptedTokens;

    public ServerMetrics() {
        registry.register(new Gauge("lmi_requests_running",
                "Requests holding KV-cache blocks in the running batch, static-batch padding rows excluded.",
                () -> scheduler.running()));
        registry.register(new Gauge("lmi_requests_waiting",
                "Requests queued for admission, preempted ones included.", () -> scheduler.waiting()));
        registry.register(new Gauge("lmi_kv_cache_blocks_used",
                "KV-cache blocks held by live sequences; cached free blocks count as free.",
                () -> scheduler.usedBlocks()));
        registry.register(new Gauge("lmi_kv_cache_blocks_total",
                "KV-cache blocks in the pool.", () -> scheduler.totalBlocks()));
        registry.register(new CallbackCounter("lmi_prefix_cache_hit_tokens_total",
                "Prompt tokens served from the prefix cache instead of computed.", () -> scheduler.prefixHitTokens()));
        registry.register(new CallbackCounter("lmi_preemptions_total",
                "Running sequences evicted to free KV-cache blocks, to be recomputed later.",
                () -> scheduler.preemptions()));
        registry.register(new CallbackCounter("lmi_padding_tokens_total",
                "Tokens computed for finished rows of static batches (option.batching=static) while the rest ran.",
                () -> scheduler.paddingTokens()));
        requests = registry.register(Counter.labelled("lmi_requests_total",
                "Generation and embedding requests finished, by the HTTP status they ended with.", "status"));
        slowClientAborts = registry.register(Counter.of("lmi_slow_client_aborts_total",
                "Streams stopped because more than max_stream_buffer_bytes of them waited for the client to read."));
        timeToFirstToken = registry.register(Histogram.of("lmi_time_to_first_token_seconds",
                "Time from arrival to the first generated token.", TIME_TO_FIRST_TOKEN_BUCKETS));
        timePerOutputToken = registry.register(Histogram.of("lmi_time_per_output_token_seconds",
                "Time between consecutive generated tokens of one request.", TIME_PER_OUTPUT_TOKEN_BUCKETS));
        step = registry.register(Histogram.labelled("lmi_step_seconds",
                "Time of one engine step by phase: schedule (Java: planning and applying results), ipc (the round "
                        + "trip less the worker's compute), forward (the model) and sample.", "phase",
                Arrays.stream(StepPhase.values()).map(StepPhase::label).toList(), STEP_BUCKETS));
        stepTokens = registry.register(Counter.of("lmi_step_tokens_total",
                "Tokens computed by engine steps (prompt chunks and decodes, static-batch padding included)."));
        stepBatchSize = registry.register(Histogram.of("lmi_step_batch_size",
                "Sequences computed per engine step, static-batch padding included.", BATCH_SIZE_BUCKETS));
        embeddingBatchSize = registry.register(Histogram.of("lmi_embedding_batch_size",
                "Inputs per batch the embedding engine's dynamic batcher ran.", BATCH_SIZE_BUCKETS));
        embeddingBatchTime = registry.register(Histogram.of("lmi_embedding_batch_seconds",
                "Time the embedding model took for one batch.", STEP_BUCKETS));
        embeddingBatchTokens = registry.register(Counter.of("lmi_embedding_batch_tokens_total",
                "Token positions the embedding model computed, padding included."));
        workerRestarts = registry.register(Counter.of("lmi_worker_restarts_total",
                "Workers started after the first one died or failed to start (failed starts included)."));
        resumedRequests = registry.register(Counter.of("lmi_requests_resumed_total",
                "Requests in flight when their worker died, re-admitted on the next worker to go on where they "
                        + "stopped."));
        specLookaheadSlots = registry.register(Counter.of("lmi_spec_lookahead_slots_total",
                "Draft-token slots offered to decoding sequences (option.speculative_length), whether the worker "
                        + "proposed drafts for them or not."));
        specAcceptedTokens = registry.register(Counter.of("lmi_spec_accepted_tokens_total",
                "Draft tokens the worker verified and kept: tokens gained beyond one per speculating step."));
    }

    /** Engine loop, once per step: the scheduler's gauges and running totals. */
    public void recordSchedulerStats(SchedulerStats stats) {
        scheduler = stats;
    }

    /** Engine loop: a request produced its first token {@code nanos} after it arrived. */
    public void observeTimeToFirstToken(long nanos) {
        timeToFirstToken.observe(nanos / NANOS_PER_SECOND);
    }

    /** Engine loop: a request produced a token {@code nanos} after its previous one. */
    public void observeTimePerOutputToken(long nanos) {
        timePerOutputToken.observe(nanos / NANOS_PER_SECOND);
    }

    /** Engine loop: one step spent {@code nanos} in {@code phase}. */
    public void observeStep(StepPhase phase, long nanos) {
        step.observe(phase.label(), nanos / NANOS_PER_SECOND);
    }

    /** Engine loop: one step computed {@code numTokens} tokens over {@code numSequences} sequences. */
    public void observeStepBatch(int numSequences, int numTokens) {
        stepBatchSize.observe(numSequences);
        stepTokens.add(numTokens);
    }

    /** Embedding engine: one batch of {@code inputs} ran {@code paddedTokens} positions in {@code seconds}. */
    public void observeEmbeddingBatch(int inputs, int paddedTokens, double seconds) {
        embeddingBatchSize.observe(inputs);
        embeddingBatchTime.observe(seconds);
        embeddingBatchTokens.add(paddedTokens);
    }

    /** Engine loop: a new worker is being started because the previous one died or failed to start. */
    public void countWorkerRestart() {
        workerRestarts.add(1);
    }

    /** Engine loop: {@code count} requests were re-admitted on a new worker. */
    public void countResumedRequests(int count) {
        resumedRequests.add(count);
    }

    /** Engine loop: one step offered {@code slots} draft slots, of which {@code accepted} gained a token. */
    public void countSpeculation(long slots, long accepted) {
        specLookaheadSlots.add(slots);
        specAcceptedTokens.add(accepted);
    }

    /** HTTP layer: a generation or embedding request ended with {@code status} (see the class comment). */
    public void countRequest(int status) {
        requests.inc(Integer.toString(status));
    }

    /** HTTP layer: a stream was stopped because its client did not read it (also counted as 499). */
    public void countSlowClientAbort() {
        slowClientAborts.inc();
    }

    /** Requests counted with {@code status} so far. */
    public long requestCount(int status) {
        return requests.value(Integer.toString(status));
    }

    /** Every metric as Prometheus text, {@link MetricRegistry#CONTENT_TYPE}. */
    public String render() {
        return registry.render();
    }
}
