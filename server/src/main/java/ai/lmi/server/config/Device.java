package ai.lmi.server.config;


/** Where the worker runs the model ({@code option.device}). */
public enum Device implements ConfigValue {
    /** CUDA when the worker's torch sees a GPU, otherwise the CPU. */
    AUTO("auto"),
    CPU("cpu"),
    CUDA("cuda");

    private final String configName;

    Device(String configName) {
        this.configName = configName;
    }

    /** The value as written in the configuration, e.g. {@code cuda}. */
    @Override
    public String configName() {
        return configName;
    }

    @Override
    public String toString() {
        return configName;
    }

    /** Reads a configured value, case-insensitively; the exception message says what is allowed. */
    static Device fromConfigName(String text) {
        return ConfigValues.parse(Device.class, text);
    }
}
