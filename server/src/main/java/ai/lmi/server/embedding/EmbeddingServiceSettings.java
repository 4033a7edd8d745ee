package ai.lmi.server.embedding;

import ai.lmi.engines.embedding.EmbeddingSettings;
import ai.lmi.server.config.ServingConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the embedding service needs of the configuration.
 *
 * @param engine the engine's own settings: option.pooling, normalize, max_model_len, truncate, batch_size and
 *     max_batch_delay
 * @param jobQueueSize requests accepted and not answered, at most
 */
public record EmbeddingServiceSettings(
        String modelName,
        Path modelDir,
        EmbeddingSettings engine,
        int jobQueueSize,
        long createdEpochSeconds,
        Map<String, Object> effectiveConfig) {

    public static EmbeddingServiceSettings from(ServingConfig config, Path modelDir) {
        EmbeddingSettings engine = new EmbeddingSettings(modelDir, config.pooling(), config.normalize(),
                config.maxModelLen(), config.truncate(), config.batchSize(), config.maxBatchDelay());
        return new EmbeddingServiceSettings(config.modelName(), modelDir, engine, config.jobQueueSize(),
                System.currentTimeMillis() / 1000, config.toMap());
    }
}
