package ai.lmi.server.config;

import java.util.List;

/** The configuration cannot be used; the message lists every problem, one per line. */
public final class ConfigException extends RuntimeException {

    private final List<String> errors;

    ConfigException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    ConfigException(String error) {
        this(List.of(error));
    }

    /** Each problem, e.g. {@code option.block_size=0 (from serving.properties): must be ...}. */
    public List<String> errors() {
        return errors;
    }
}
