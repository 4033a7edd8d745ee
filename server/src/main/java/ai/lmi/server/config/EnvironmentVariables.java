package ai.lmi.server.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration the environment gives: {@code OPTION_<KEY>} → {@code option.<key>},
 * {@code SERVING_<KEY>} → {@code <key>}, then the SageMaker-style names, each weaker than the last.
 */
final class EnvironmentVariables {

    private static final String OPTION_PREFIX = "OPTION_";
    private static final String SERVING_PREFIX = "SERVING_";

    // Variable → key, highest precedence first; a prefixed variable beats all of them.
    private static final List<Map.Entry<String, String>> SIMPLE_NAMES = List.of(
            Map.entry("HF_MODEL_ID", ConfigKeys.MODEL_ID.name()),
            Map.entry("TENSOR_PARALLEL_DEGREE", ConfigKeys.TENSOR_PARALLEL_DEGREE.name()),
            Map.entry("MAX_BATCH_SIZE", ConfigKeys.MAX_ROLLING_BATCH_SIZE.name()),
            Map.entry("MAX_CONCURRENT_REQUESTS", ConfigKeys.JOB_QUEUE_SIZE.name()),
            Map.entry("SM_NUM_GPUS", ConfigKeys.TENSOR_PARALLEL_DEGREE.name()));

    private EnvironmentVariables() {}

    /** The entries the environment sets, by key; variables it does not map are left out. */
    static Map<String, ConfigEntry> read(Map<String, String> environment) {
        Map<String, ConfigEntry> entries = new LinkedHashMap<>();
        // Sorted so that warnings come out in the same order every time.
        new TreeMap<>(environment).forEach((variable, value) -> {
            String key = prefixedKey(variable);
            if (key != null) {
                entries.put(key, new ConfigEntry(key, value, ConfigSource.environment(variable)));
            }
        });
        for (Map.Entry<String, String> simpleName : SIMPLE_NAMES) {
            String variable = simpleName.getKey();
            String value = environment.get(variable);
            if (value != null && !isCpuInstance(variable, value)) {
                String key = simpleName.getValue();
                entries.putIfAbsent(key, new ConfigEntry(key, value, ConfigSource.environment(variable)));
            }
        }
        return Collections.unmodifiableMap(entries);
    }

    // SageMaker sets SM_NUM_GPUS=0 on CPU instances, where the default of one worker is right.
    private static boolean isCpuInstance(String variable, String value) {
        return variable.equals("SM_NUM_GPUS") && value.trim().equals("0");
    }

    private static String prefixedKey(String variable) {
        if (variable.startsWith(OPTION_PREFIX)) {
            return "option." + variable.substring(OPTION_PREFIX.length()).toLowerCase(Locale.ROOT);
        }
        if (variable.startsWith(SERVING_PREFIX)) {
            return variable.substring(SERVING_PREFIX.length()).toLowerCase(Locale.ROOT);
        }
        return null;
    }
}
