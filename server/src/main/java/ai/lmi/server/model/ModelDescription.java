package ai.lmi.server.model;

import java.util.Map;

/**
 * What the management API and /v1/models say about the served model.
 *
 * @param effectiveConfig every configuration key with its value and source
 */
public record ModelDescription(
        String name, String modelDir, int maxModelLen, long createdEpochSeconds, Map<String, Object> effectiveConfig) {}
