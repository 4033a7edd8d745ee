package ai.lmi.server.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads and shows enum-valued settings, case-insensitively, with an error that lists what is allowed. Any enum can be
 * a setting (option.pooling is the engine's {@code Pooling}); a {@link ConfigValue} may accept more spellings.
 */
final class ConfigValues {

    private ConfigValues() {}

    static <E extends Enum<E>> E parse(Class<E> type, String text) {
        String name = text.toLowerCase(Locale.ROOT);
        for (E value : type.getEnumConstants()) {
            if (spellings(value).contains(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("must be one of " + allowed(type));
    }

    /** Every accepted spelling, comma-separated, in declaration order. */
    static <E extends Enum<E>> String allowed(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).flatMap(value -> spellings(value).stream())
                .collect(Collectors.joining(", "));
    }

    /** The canonical spelling, as the effective configuration shows it. */
    static String configName(Enum<?> value) {
        return spellings(value).get(0);
    }

    /** An enum constant's name in lower case with '-' for '_'. */
    static String spelling(String constantName) {
        return constantName.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static List<String> spellings(Enum<?> value) {
        return value instanceof ConfigValue configValue ? configValue.spellings() : List.of(spelling(value.name()));
    }
}
