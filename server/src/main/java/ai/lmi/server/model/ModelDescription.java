package ai.lmi.server.model;

import java.util.Map;

/**
 * What the management API and /v1/models say about the served model.
 *
 * @param effectiveConfig      every configuration key with its value and source
 * @param memory               a generative model's weight and KV-cache bytes once its worker loaded; else null
 * @param tensorParallelDegree the worker processes the model is split over; 1 for an in-process embedding model
 */
public record ModelDescription(String name, String modelDir, int maxModelLen, long createdEpochSeconds,
        Map<String, Object> effectiveConfig, ModelMemory memory, int tensorParallelDegree) {

    /** A model without a worker's memory report, run in one process: an embedding model. */
    public ModelDescription(String name, String modelDir, int maxModelLen, long createdEpochSeconds,
            Map<String, Object> effectiveConfig) {
        this(name, modelDir, maxModelLen, createdEpochSeconds, effectiveConfig, null, 1);
    }
}
