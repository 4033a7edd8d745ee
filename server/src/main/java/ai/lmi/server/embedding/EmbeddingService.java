package ai.lmi.server.embedding;

import ai.lmi.engines.embedding.Embedding;
import ai.lmi.engines.embedding.EmbeddingEngine;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.model.InFlightRequests;
import ai.lmi.server.model.ModelDescription;
import ai.lmi.server.model.ModelRuntime;
import ai.lmi.server.model.ModelService;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * The served embedding model: loads the DJL embedding engine, admits up to {@code job_queue_size} requests, and
 * counts each until it is answered, so that a graceful shutdown waits for the answers. The engine's batches are
 * reported to {@link ServerMetrics}.
 */
public final class EmbeddingService implements ModelService, ModelRuntime {

    /// what a client is told to wait while the model loads or the server shuts down
    private static final int RETRY_AFTER_SECONDS = 5;

    private final EmbeddingServiceSettings settings;
    private final ServerMetrics metrics;
    /// counted until answered, so that drain() waits for the answers, not only the vectors
    private final InFlightRequests inFlight = new InFlightRequests();
    /// null until loaded
    private volatile EmbeddingEngine engine;
    /// set by drain(): no new requests, while those accepted are answered
    private volatile boolean draining;
    private volatile boolean closed;

    public EmbeddingService(EmbeddingServiceSettings settings, ServerMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public String start() throws IOException {
        EmbeddingEngine loaded = EmbeddingEngine.load(settings.engine(), metrics::observeEmbeddingBatch);
        synchronized (this) {
            if (closed) {
                loaded.close();
                throw new IllegalStateException("the server closed while the embedding model loaded");
            }
            engine = loaded;
        }
        return loaded.dimension() + "-dimensional embeddings on " + loaded.engineName() + ", max_model_len "
                + loaded.maxModelLen() + ", batch_size " + settings.engine().batchSize() + ", max_batch_delay "
                + settings.engine().maxBatchDelay().toMillis() + " ms";
    }

    @Override
    public boolean isReady() {
        return engine != null && !draining && !closed;
    }

    @Override
    public boolean isShuttingDown() {
        return draining || closed;
    }

    @Override
    public ModelDescription model() {
        EmbeddingEngine current = engine;
        int maxModelLen = current == null ? 0 : current.maxModelLen();
        return new ModelDescription(settings.modelName(), settings.modelDir().toString(), maxModelLen,
                settings.createdEpochSeconds(), settings.effectiveConfig());
    }

    /** The length of every embedding; 0 until the model has loaded. */
    public int dimension() {
        EmbeddingEngine current = engine;
        return current == null ? 0 : current.dimension();
    }

    /**
     * Embeds {@code texts}, then runs {@code answer} on {@code answerOn} with their embeddings in order, or with
     * the failure. The request stays in flight until {@code answer} has returned, cancelled or not.
     *
     * @return the embedding in flight, to cancel
     * @throws ServiceUnavailableException while the model loads, once shutdown began, or with job_queue_size
     *     requests in flight
     * @throws ai.lmi.engines.embedding.InputTooLongException when an input is over max_model_len and
     *     option.truncate is off
     * @throws ai.lmi.engines.embedding.NoTokensException when an input has no tokens at all
     */
    public EmbeddingHandle embed(List<String> texts, Executor answerOn, BiConsumer<List<Embedding>, Throwable> answer)
            throws ServiceUnavailableException {
        EmbeddingEngine current = engine;
        if (current == null) {
            throw new ServiceUnavailableException("the model is not ready: it is loading", RETRY_AFTER_SECONDS);
        }
        inFlight.admit(this::isShuttingDown, settings.jobQueueSize());
        CompletableFuture<List<Embedding>> embeddings;
        try {
            embeddings = current.embed(texts);
        } catch (IllegalStateException e) {
            // close() after a drain that timed out: the engine takes no more work.
            inFlight.done();
            throw new ServiceUnavailableException("the server is shutting down", RETRY_AFTER_SECONDS);
        } catch (RuntimeException | Error e) {
            // An input over max_model_len, or tokenizing a huge request ran out of memory: nothing is in flight.
            inFlight.done();
            throw e;
        }
        // Counted down after the answer ran, or failed to be scheduled: drain() must not miss either.
        embeddings.whenCompleteAsync(answer, answerOn).whenComplete((ignored, error) -> inFlight.done());
        // The batcher skips the inputs of a cancelled job that it has not run yet.
        return () -> embeddings.cancel(false);
    }

    @Override
    public boolean drain(Duration grace) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        // The accepted requests are answered first: the engine refuses new inputs from the moment it drains.
        boolean answered = inFlight.awaitNone(deadline);
        EmbeddingEngine current = engine;
        return (current == null || current.drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))))
                && answered;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (engine != null) {
            engine.close();
        }
    }
}
