package ai.lmi.server.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * The regex of exactly the integers of a range, in canonical form (no leading zeros, no {@code -0}), within the
 * 16-digit bound of {@link JsonRegexParts#INTEGER}.
 */
final class IntegerRangeRegex {

    /** The largest integer the integer regex writes: 16 digits. */
    static final long BOUND = 9_999_999_999_999_999L;

    private IntegerRangeRegex() {}

    /** The integers from {@code min} to {@code max}, both included; {@code -BOUND <= min <= max <= BOUND}. */
    static String of(long min, long max) {
        if (min < -BOUND || max > BOUND || min > max) {
            throw new IllegalArgumentException("no integer range " + min + ".." + max + " within +-" + BOUND);
        }
        if (min >= 0) {
            return nonNegative(min, max);
        }
        String negative = "-" + JsonRegexParts.atom(nonNegative(Math.max(1, -max), -min));
        return max < 0 ? negative : JsonRegexParts.alternation(List.of(negative, nonNegative(0, max)));
    }

    private static String nonNegative(long min, long max) {
        List<String> byLength = new ArrayList<>();
        for (int length = digits(min); length <= digits(max); length++) {
            long shortest = length == 1 ? 0 : pow10(length - 1);
            long longest = pow10(length) - 1;
            byLength.add(sameLength(Long.toString(Math.max(min, shortest)), Long.toString(Math.min(max, longest))));
        }
        return JsonRegexParts.alternation(byLength);
    }

    /** The digit strings from {@code low} to {@code high}, which have the same length, by their first digit. */
    private static String sameLength(String low, String high) {
        if (low.equals(high)) {
            return low;
        }
        char first = low.charAt(0);
        char last = high.charAt(0);
        String lowRest = low.substring(1);
        String highRest = high.substring(1);
        int rest = lowRest.length();
        if (first == last) {
            return first + JsonRegexParts.atom(sameLength(lowRest, highRest));
        }
        boolean lowFromZero = lowRest.chars().allMatch(c -> c == '0');
        boolean highToNine = highRest.chars().allMatch(c -> c == '9');
        List<String> alternatives = new ArrayList<>();
        if (!lowFromZero) {
            alternatives.add(first + JsonRegexParts.atom(sameLength(lowRest, "9".repeat(rest))));
        }
        char from = lowFromZero ? first : (char) (first + 1);
        char to = highToNine ? last : (char) (last - 1);
        if (from <= to) {
            String digit = from == to ? String.valueOf(from) : "[" + from + "-" + to + "]";
            alternatives.add(digit + JsonRegexParts.repeat("[0-9]", rest, rest));
        }
        if (!highToNine) {
            alternatives.add(last + JsonRegexParts.atom(sameLength("0".repeat(rest), highRest)));
        }
        return JsonRegexParts.alternation(alternatives);
    }

    private static int digits(long value) {
        return Long.toString(value).length();
    }

    private static long pow10(int exponent) {
        long power = 1;
        for (int i = 0; i < exponent; i++) {
            power *= 10;
        }
        return power;
    }
}
