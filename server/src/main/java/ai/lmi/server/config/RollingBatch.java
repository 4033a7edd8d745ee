package ai.lmi.server.config;

import java.util.Locale;
import java.util.Set;

/** The inference backend that runs the model ({@code option.rolling_batch}). */
public enum RollingBatch implements ConfigValue {
    /** This project's PyTorch engine, scheduled step by step from Java. */
    LMI_DIST,
    /** Resolved at load time to the backend that can run the model ({@link BackendSelection}). */
    AUTO;

    // Delegated backends from the design whose adapters are not part of this build yet.
    private static final Set<String> NOT_INSTALLED = Set.of("vllm", "trtllm", "neuronx", "transformers");

    /** Reads a configured value, case-insensitively; a backend this build lacks is named as not installed. */
    static RollingBatch fromConfigName(String text) {
        String name = text.toLowerCase(Locale.ROOT);
        if (NOT_INSTALLED.contains(name)) {
            throw new IllegalArgumentException("the " + name + " backend is not installed; use one of "
                    + ConfigValues.allowed(RollingBatch.class));
        }
        return ConfigValues.parse(RollingBatch.class, text);
    }
}
