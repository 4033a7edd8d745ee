package ai.lmi.server.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where the worker runs the model ({@code option.device}). */
public enum Device {
    /** CUDA when the worker's torch sees a GPU, otherwise the CPU. */
    AUTO("auto"),
    CPU("cpu"),
    CUDA("cuda");

    private final String configName;

    Device(String configName) {
        this.configName = configName;
    }

    /** The value as written in the configuration, e.g. {@code cuda}. */
    public String configName() {
        return configName;
    }

    @Override
    public String toString() {
        return configName;
    }

    /** Reads a configured value, case-insensitively; the exception message says what is allowed. */
    static Device fromConfigName(String text) {
        String name = text.toLowerCase(Locale.ROOT);
        for (Device value : values()) {
            if (value.configName.equals(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException(
                "must be one of " + Arrays.stream(values()).map(Device::configName).collect(Collectors.joining(", ")));
    }
}
