package ai.lmi.engines.embedding;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What the embedding engine needs from the serving configuration.
 *
 * @param modelDir the directory holding {@code model.onnx} or one TorchScript {@code *.pt}, and {@code tokenizer.json}
 * @param pooling how token states become one vector
 * @param normalize whether vectors are scaled to unit L2 length
 * @param maxModelLen the most tokens an input may have; empty: the model's {@code max_position_embeddings}
 * @param truncate whether longer inputs are cut to maxModelLen tokens instead of rejected
 * @param batchSize the most inputs one forward pass takes
 * @param maxBatchDelay how long the batcher waits for more inputs while a batch is not full
 */
public record EmbeddingSettings(
        Path modelDir,
        Pooling pooling,
        boolean normalize,
        OptionalInt maxModelLen,
        boolean truncate,
        int batchSize,
        Duration maxBatchDelay) {

    public EmbeddingSettings {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(maxModelLen, "maxModelLen");
        Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
        if (maxModelLen.isPresent() && maxModelLen.getAsInt() < 1) {
            throw new IllegalArgumentException("max_model_len must be at least 1, got " + maxModelLen.getAsInt());
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch_size must be at least 1, got " + batchSize);
        }
        if (maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("max_batch_delay must not be negative, got " + maxBatchDelay);
        }
    }
}
