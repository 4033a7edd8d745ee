package ai.lmi.server.config;

/** What the served model does ({@code option.task}): generate text through a worker, or embed text in-process. */
public enum Task implements ConfigValue {
    TEXT_GENERATION("text-generation"),
    TEXT_EMBEDDING("text-embedding");

    private final String configName;

    Task(String configName) {
        this.configName = configName;
    }

    /** The value as written in the configuration, e.g. {@code text-embedding}. */
    @Override
    public String configName() {
        return configName;
    }

    @Override
    public String toString() {
        return configName;
    }

    /** Reads a configured value, case-insensitively; the exception message says what is allowed. */
    static Task fromConfigName(String text) {
        return ConfigValues.parse(Task.class, text);
    }
}
