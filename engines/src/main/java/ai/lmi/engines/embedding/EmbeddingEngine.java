package ai.lmi.engines.embedding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a text-embedding model in-process: tokenizes in the caller's thread, batches inputs dynamically on one
 * batching thread, and runs them through DJL's OnnxRuntime or PyTorch engine.
 *
 * <p>An input's vector does not depend on the inputs it was batched with: where a padded batch would make it so (a
 * dynamically quantized ONNX graph), each input of a batch runs on its own.
 */
public final class EmbeddingEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingEngine.class);
    /** The load-time forward pass's input: not empty, since a tokenizer that adds no special tokens makes "" no row. */
    private static final String PROBE_TEXT = "hello";

    private final EmbeddingTokenizer tokenizer;
    private final Encoder encoder;
    private final DynamicBatcher batcher;
    private final String engineName;
    private final int dimension;
    private final int maxModelLen;
    private final Set<EmbeddingJob> outstanding = ConcurrentHashMap.newKeySet();
    /** Read-held while a caller tokenizes and queues, write-held to stop: close() never frees a tokenizer in use. */
    private final ReadWriteLock state = new ReentrantReadWriteLock();
    private boolean accepting = true;
    private boolean closed;

    private EmbeddingEngine(EmbeddingTokenizer tokenizer, Encoder encoder, DynamicBatcher batcher, String engineName,
            int dimension, int maxModelLen) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.batcher = batcher;
        this.engineName = engineName;
        this.dimension = dimension;
        this.maxModelLen = maxModelLen;
    }

    /**
     * Loads the tokenizer and the model from {@code settings.modelDir()} and starts the batching thread.
     *
     * @throws IOException naming what is missing or wrong in the directory
     */
    public static EmbeddingEngine load(EmbeddingSettings settings, BatchObserver observer) throws IOException {
        DjlOfflineMode.enable();
        Path dir = settings.modelDir();
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory");
        }
        Path modelFile = EmbeddingModelFiles.modelFile(dir).orElseThrow(() -> new IOException(dir
                + " has neither " + EmbeddingModelFiles.ONNX_FILE + " nor exactly one TorchScript *.pt file"));
        Path tokenizerJson = dir.resolve(EmbeddingModelFiles.TOKENIZER_FILE);
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException(dir + " has no " + EmbeddingModelFiles.TOKENIZER_FILE);
        }
        int maxModelLen = MaxModelLen.resolve(dir, settings.maxModelLen());
        EmbeddingTokenizer tokenizer = EmbeddingTokenizer.load(tokenizerJson, maxModelLen, settings.truncate());
        Encoder encoder = null;
        try {
            encoder = Encoders.load(modelFile, new Pooler(settings.pooling(), settings.normalize()));
            int dimension = dimension(encoder, tokenizer, modelFile);
            String engineName = DjlEncoder.engineName(modelFile);
            LOG.info("Loaded embedding model {} on {}: dimension {}, max_model_len {}, pooling {}, batch_size {}",
                    modelFile, engineName, dimension, maxModelLen, settings.pooling().configName(),
                    settings.batchSize());
            DynamicBatcher batcher =
                    new DynamicBatcher(encoder, settings.batchSize(), settings.maxBatchDelay(), observer);
            return new EmbeddingEngine(tokenizer, encoder, batcher, engineName, dimension, maxModelLen);
        } catch (IOException | RuntimeException e) {
            if (encoder != null) {
                encoder.close();
            }
            tokenizer.close();
            throw e;
        }
    }

    /** Runs one forward pass: learns the dimension, checks the model's output, and warms the engine up. */
    private static int dimension(Encoder encoder, EmbeddingTokenizer tokenizer, Path modelFile) throws IOException {
        try {
            return encoder.encode(tokenizer.encode(List.of(PROBE_TEXT)))[0].length;
        } catch (RuntimeException e) {
            throw new IOException(modelFile + " does not run as an embedding model: " + e.getMessage(), e);
        }
    }

    /**
     * Embeds the texts: tokenizes and checks them in the caller's thread, then queues them for the batcher.
     *
     * <p>The future completes on the batching thread, with one embedding per text in order, or with the cause if
     * the batch that held one of them failed; keep work done in its dependent stages short.
     *
     * @throws InputTooLongException if a text is longer than max_model_len and truncation is off
     * @throws NoTokensException if a text has no tokens (a tokenizer that adds no special tokens, a text it drops)
     * @throws IllegalStateException once {@link #drain} or {@link #close} began
     */
    public CompletableFuture<List<Embedding>> embed(List<String> texts) {
        EmbeddingJob job;
        state.readLock().lock();
        try {
            if (!accepting) {
                throw new IllegalStateException(closed ? "the embedding engine is closed"
                        : "the embedding engine is draining and takes no new inputs");
            }
            List<long[]> rows = tokenizer.encode(texts);
            if (rows.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            job = new EmbeddingJob(rows);
            outstanding.add(job);
            batcher.submit(job);
        } finally {
            state.readLock().unlock();
        }
        job.future().whenComplete((result, error) -> outstanding.remove(job));
        return job.future();
    }

    public int dimension() {
        return dimension;
    }

    /** The most tokens an input may have, special tokens included. */
    public int maxModelLen() {
        return maxModelLen;
    }

    /** DJL's name for the engine running the model: {@code OnnxRuntime} or {@code PyTorch}. */
    public String engineName() {
        return engineName;
    }

    /**
     * Stops taking new inputs and waits up to {@code grace} for the queued and running ones to finish.
     *
     * @return true if every accepted job finished in time
     */
    public boolean drain(Duration grace) {
        CompletableFuture<?>[] pending;
        state.writeLock().lock();
        try {
            accepting = false;
            pending = outstanding.stream().map(EmbeddingJob::future).toArray(CompletableFuture[]::new);
        } finally {
            state.writeLock().unlock();
        }
        try {
            CompletableFuture.allOf(pending).get(grace.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            // allOf fails only once every job is done; a failed job has finished too.
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Fails the jobs still waiting, lets the batch in flight finish, and releases the model and tokenizer. */
    @Override
    public void close() {
        state.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            accepting = false;
        } finally {
            state.writeLock().unlock();
        }
        batcher.stop();
        encoder.close();
        tokenizer.close();
    }
}
