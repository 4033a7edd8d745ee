package ai.lmi.server.engine;

import ai.lmi.server.config.Batching;
import ai.lmi.server.config.ServingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What the engine loop needs of the configuration.
 *
 * @param maxNumSeqs           option.max_rolling_batch_size
 * @param maxNumBatchedTokens  option.max_num_batched_tokens
 * @param enableChunkedPrefill option.enable_chunked_prefill
 * @param batching             option.batching
 * @param speculativeLength    draft tokens a decoding sequence may gain per step; 0: no speculation
 * @param jobQueueSize         requests accepted and not finished, at most
 * @param workerMaxRestarts    worker_max_restarts
 * @param workerRestartWindow  worker_restart_window_s
 * @param loraSlots            option.max_loras with option.enable_lora, else 0: adapters one batch may mix
 * @param maxLoraRank          option.max_lora_rank
 * @param adaptersDir          option.adapters: its subdirectories are loaded as adapters at start; null: none
 */
public record EngineSettings(
        String modelName,
        Path modelDir,
        int maxNumSeqs,
        int maxNumBatchedTokens,
        boolean enableChunkedPrefill,
        Batching batching,
        int speculativeLength,
        boolean enablePrefixCaching,
        int jobQueueSize,
        int workerMaxRestarts,
        Duration workerRestartWindow,
        int loraSlots,
        int maxLoraRank,
        Path adaptersDir,
        long createdEpochSeconds,
        Map<String, Object> effectiveConfig) {

    public static EngineSettings from(ServingConfig config, Path modelDir) {
        return new EngineSettings(config.modelName(), modelDir, config.maxRollingBatchSize(),
                config.maxNumBatchedTokens(), config.enableChunkedPrefill(), config.batching(),
                config.speculativeLength(), config.enablePrefixCaching(), config.jobQueueSize(), config.workerMaxRestarts(),
                config.workerRestartWindow(), config.enableLora() ? config.maxLoras() : 0, config.maxLoraRank(),
                config.adapters().orElse(null), System.currentTimeMillis() / 1000, config.toMap());
    }
}
