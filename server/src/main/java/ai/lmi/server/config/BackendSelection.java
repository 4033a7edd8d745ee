package ai.lmi.server.config;

import java.util.Map;

/**
 * {@code option.rolling_batch=auto} resolved at load time to the backend that will run the model, the reason kept as
 * the setting's source, so that the start-up log and {@code GET /models/{name}} say what was picked and why.
 */
final class BackendSelection {

    private BackendSelection() {}

    static void resolveAuto(Map<String, Setting> settings) {
        Setting backend = settings.get(ConfigKeys.ROLLING_BATCH.name());
        if (backend.value() != RollingBatch.AUTO) {
            return;
        }
        // The delegated adapters (vllm, trtllm, neuronx, transformers) are not part of this build, so whatever is
        // installed, the device or config.json say, lmi-dist is the one backend that can run the model.
        settings.put(ConfigKeys.ROLLING_BATCH.name(), new Setting(RollingBatch.LMI_DIST, new ConfigSource(
                "auto (from " + backend.source() + "): lmi-dist, the only backend of this build; the vllm, trtllm,"
                        + " neuronx and transformers adapters are not built")));
    }
}
