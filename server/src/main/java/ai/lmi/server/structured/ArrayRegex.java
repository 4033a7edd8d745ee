package ai.lmi.server.structured;

import static ai.lmi.server.structured.JsonRegexParts.COMMA;

import java.util.List;
import java.util.Optional;

/** Arrays of a tuple's elements, then elements of one kind, with a bounded or unbounded length. */
final class ArrayRegex {

    private ArrayRegex() {}

    /**
     * The arrays whose element {@code i} matches {@code prefix.get(i)} and whose later elements match {@code rest},
     * with {@code minItems} to {@code maxItems} elements ({@code maxItems} -1: unbounded); empty where no length
     * fits.
     *
     * @param rest the regex of elements after the prefix, empty where there may be none
     */
    static Optional<String> of(List<String> prefix, Optional<String> rest, int minItems, int maxItems) {
        int tuple = prefix.size();
        int max = rest.isPresent() ? maxItems : maxItems == -1 ? tuple : Math.min(maxItems, tuple);
        if (max != -1 && minItems > max) {
            return Optional.empty();
        }
        if (max == 0) {
            return Optional.of("\\[\\]");
        }
        String elements = elements(prefix, rest, Math.max(minItems, 1), max);
        return Optional.of("\\[" + (minItems == 0 ? JsonRegexParts.optional(elements) : elements) + "\\]");
    }

    /** At least one element: {@code min} to {@code max} of them, {@code 1 <= min}. */
    private static String elements(List<String> prefix, Optional<String> rest, int min, int max) {
        int tuple = prefix.size();
        if (tuple == 0) {
            String element = rest.orElseThrow();
            return element + JsonRegexParts.repeat(COMMA + element, min - 1, max == -1 ? -1 : max - 1);
        }
        int written = max == -1 ? tuple : Math.min(tuple, max);
        // The elements after the tuple come only after all of it; each tuple element only after the one before.
        String inner = written == tuple && rest.isPresent()
                ? JsonRegexParts.repeat(COMMA + rest.get(), Math.max(0, min - tuple), max == -1 ? -1 : max - tuple)
                : "";
        for (int i = written - 1; i >= 1; i--) {
            String element = COMMA + prefix.get(i) + inner;
            inner = i < min ? element : JsonRegexParts.optional(element);
        }
        return prefix.get(0) + inner;
    }
}
