package ai.lmi.server.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Reads enum-valued settings case-insensitively, with an error that lists what is allowed. */
final class ConfigValues {

    private ConfigValues() {}

    static <E extends Enum<E> & ConfigValue> E parse(Class<E> type, String text) {
        String name = text.toLowerCase(Locale.ROOT);
        for (E value : type.getEnumConstants()) {
            if (value.spellings().contains(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("must be one of " + allowed(type));
    }

    /** Every accepted spelling, comma-separated, in declaration order. */
    static <E extends Enum<E> & ConfigValue> String allowed(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).flatMap(value -> value.spellings().stream())
                .collect(Collectors.joining(", "));
    }
}
