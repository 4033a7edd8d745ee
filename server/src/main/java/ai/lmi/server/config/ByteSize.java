package ai.lmi.server.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts as digits with an optional suffix k, m, g or t, powers of 1024 as in {@code -Xmx4g}. */
final class ByteSize {

    // Only single-letter suffixes: "4GB" could mean 4e9 or 2^32 bytes, so it is refused, not guessed.
    private static final Pattern FORM = Pattern.compile("(\\d+)([kmgt]?)");

    private ByteSize() {}

    /** The number of bytes; throws IllegalArgumentException for any other form or on overflow. */
    static long parse(String text) {
        Matcher matcher = FORM.matcher(text.toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a byte size: " + text);
        }
        int shift = switch (matcher.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            return Math.multiplyExact(Long.parseLong(matcher.group(1)), 1L << shift);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("byte size too large: " + text, e);
        }
    }
}
