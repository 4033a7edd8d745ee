package ai.lmi.server.config;

import java.util.function.Function;

/**
 * A key the server knows: its name, the type and parser of its values, and its default text
 * (null: unset unless configured, the worker or the serving code decides).
 */
record ConfigKey<T>(String name, Class<T> type, Function<String, T> parser, String defaultText) {

    /** Parses trimmed text; throws IllegalArgumentException whose message says what is allowed. */
    T parse(String text) {
        return parser.apply(text.trim());
    }

    /** The parsed default, or null when the key has none. */
    T defaultValue() {
        return defaultText == null ? null : parse(defaultText);
    }
}
