package ai.lmi.server.model;

import java.util.Map;

/**
 * What the management API and /v1/models say about the served model.
 *
 * @param effectiveConfig every configuration key with its value and source
 * @param memory          a generative model's weight and KV-cache bytes once its worker loaded; else null
 */
public record ModelDescription(String name, String modelDir, int maxModelLen, long createdEpochSeconds,
        Map<String, Object> effectiveConfig, ModelMemory memory) {

    /** A model without a worker's memory report (an embedding model, or one still loading). */
    public ModelDescription(String name, String modelDir, int maxModelLen, long createdEpochSeconds,
            Map<String, Object> effectiveConfig) {
        this(name, modelDir, maxModelLen, createdEpochSeconds, effectiveConfig, null);
    }
}
