package ai.lmi.server.config;

import java.nio.file.Path;

/** Where a configuration value came from, as shown in errors and in the effective config. */
record ConfigSource(String description) {

    static final ConfigSource COMMAND_LINE = new ConfigSource("command line");
    static final ConfigSource DEFAULT = new ConfigSource("default");

    static ConfigSource environment(String variable) {
        return new ConfigSource("environment " + variable);
    }

    static ConfigSource file(Path file) {
        return new ConfigSource(file.toString());
    }

    static ConfigSource derivedFrom(String key) {
        return new ConfigSource("derived from " + key);
    }

    @Override
    public String toString() {
        return description;
    }
}
