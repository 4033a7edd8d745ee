package ai.lmi.server.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;

/**
 * Parsers of trimmed configuration text. Each throws IllegalArgumentException whose message
 * says what is allowed, so that the error can name the key, the value and the rule.
 */
final class ValueParsers {

    private ValueParsers() {}

    static Function<String, Integer> integer(int min, int max) {
        String allowed = max == Integer.MAX_VALUE && min == 1
                ? "must be a positive integer"
                : "must be an integer from " + min + " to " + max;
        return text -> {
            int value;
            try {
                value = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(allowed, e);
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException(allowed);
            }
            return value;
        };
    }

    static Function<String, Integer> positiveInteger() {
        return integer(1, Integer.MAX_VALUE);
    }

    static Function<String, Long> byteSize(long max) {
        String allowed = (max == Long.MAX_VALUE ? "must be a positive number of bytes" : "must be a number of bytes from 1 to " + max)
                + ", optionally with a suffix k, m, g or t (powers of 1024, e.g. 512m, 4g)";
        return text -> {
            long value;
            try {
                value = ByteSize.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(allowed, e);
            }
            if (value < 1 || value > max) {
                throw new IllegalArgumentException(allowed);
            }
            return value;
        };
    }

    static Function<String, Boolean> bool() {
        return text -> switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    /** A share of a whole, greater than 0 and at most 1. */
    static Function<String, Double> fraction() {
        String allowed = "must be a number greater than 0 and at most 1";
        return text -> {
            double value;
            try {
                value = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(allowed, e);
            }
            // Written so that NaN fails too.
            if (!(value > 0 && value <= 1)) {
                throw new IllegalArgumentException(allowed);
            }
            return value;
        };
    }

    /** One of an enum's constants, by any spelling {@link ConfigValues} accepts. */
    static <E extends Enum<E>> Function<String, E> oneOf(Class<E> type) {
        return text -> ConfigValues.parse(type, text);
    }

    static Function<String, String> nonEmptyText() {
        return text -> {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return text;
        };
    }

    /** A secret such as an API key: any non-empty text, never shown (an empty one would lock every client out). */
    static Function<String, Secret> secret() {
        return text -> {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("must not be empty; leave the key unset to serve without one");
            }
            return new Secret(text);
        };
    }

    static Function<String, ListenAddress> listenAddress() {
        return ListenAddress::parse;
    }

    /** A name that can stand in a URL path such as {@code /models/{name}}. */
    static Function<String, String> modelName() {
        return text -> {
            if (text.isEmpty() || text.contains("/")) {
                throw new IllegalArgumentException("must be a non-empty name without '/'");
            }
            return text;
        };
    }

    static Function<String, Path> path() {
        String allowed = "must be a file system path";
        return text -> {
            if (text.isEmpty()) {
                throw new IllegalArgumentException(allowed);
            }
            try {
                return Path.of(text);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException(allowed, e);
            }
        };
    }
}
