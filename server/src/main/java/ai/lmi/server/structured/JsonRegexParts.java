package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The regexes of JSON's pieces in the canonical layout, and the few combinators that keep composed regexes within the
 * dialect the automaton compiler reads (the common subset of Python {@code re} and {@code java.util.regex}).
 *
 * <p>The layout allows no whitespace but one optional space after each {@code :} and each {@code ,}: models write
 * {@code {"a": 1, "b": 2}}, and unbounded whitespace would let a model loop on spaces forever.
 *
 * <p>Numbers are bounded for the same reason, so that no model can ramble digits: at most 16 integer digits, 15
 * fraction digits and 2 exponent digits. Every such number is a finite double, and every such integer a long.
 */
final class JsonRegexParts {

    static final String COLON = ":[ ]?";
    static final String COMMA = ",[ ]?";
    static final String NULL = "null";
    static final String BOOLEAN = "(?:true|false)";

    /** One character of a JSON string's contents. Lone surrogates are excluded, raw or escaped: they break parsers. */
    static final String STRING_UNIT = "(?:[^\"\\\\\\x00-\\x1f\\uD800-\\uDFFF]|\\\\[\"\\\\/bfnrt]"
            + "|\\\\u(?:[0-9a-cA-Ce-fE-F][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))";

    static final String INTEGER = "-?(?:0|[1-9][0-9]{0,15})";
    private static final String FRACTION = "(?:\\.[0-9]{1,15})?";
    private static final String EXPONENT = "(?:[eE][+-]?[0-9]{1,2})?";
    static final String NUMBER = INTEGER + FRACTION + EXPONENT;
    static final String NON_NEGATIVE_NUMBER = "(?:0|[1-9][0-9]{0,15})" + FRACTION + EXPONENT;
    /** A non-zero digit before the point, or one after it, is what makes a number positive; the exponent keeps it so. */
    static final String POSITIVE_NUMBER = "(?:[1-9][0-9]{0,15}" + FRACTION + "|0\\.[0-9]{0,14}[1-9])" + EXPONENT;

    static final String ANY_STRING = string(0, -1);

    /**
     * How many containers deep an arbitrary value may nest. The language of JSON is not regular, so "any value" has to
     * be bounded somewhere; four levels hold what a model is asked for in practice, and the regex grows fourfold per
     * level.
     */
    static final int ANY_DEPTH = 4;

    private static final String[] ANY_VALUE = new String[ANY_DEPTH + 1];

    static {
        ANY_VALUE[0] = alternation(List.of(ANY_STRING, NUMBER, "true", "false", NULL));
        for (int depth = 1; depth <= ANY_DEPTH; depth++) {
            String inner = ANY_VALUE[depth - 1];
            ANY_VALUE[depth] = alternation(List.of(ANY_STRING, NUMBER, "true", "false", NULL, anyObjectOf(inner),
                    arrayOf(inner)));
        }
    }

    private static final String METACHARACTERS = "\\.[]{}()*+?^$|";

    private JsonRegexParts() {}

    /** A JSON string of {@code min} to {@code max} characters ({@code max} -1: unbounded); an escape is one character. */
    static String string(int min, int max) {
        return "\"" + repeat(STRING_UNIT, min, max) + "\"";
    }

    /** Any JSON value with at most {@code depth} levels of containers, see {@link #ANY_DEPTH}. */
    static String anyValue(int depth) {
        return ANY_VALUE[depth];
    }

    /** An object of arbitrary keys whose values match {@code value}. Keys may repeat: Jackson keeps the last. */
    static String anyObjectOf(String value) {
        String member = ANY_STRING + COLON + value;
        return "\\{" + optional(member + repeat(COMMA + member, 0, -1)) + "\\}";
    }

    /** An array of any length whose elements match {@code element}. */
    static String arrayOf(String element) {
        return "\\[" + optional(element + repeat(COMMA + element, 0, -1)) + "\\]";
    }

    /** The regex of exactly the literal text. */
    static String quote(String literal) {
        StringBuilder regex = new StringBuilder();
        literal.codePoints().forEach(c -> {
            if (c < 0x80) {
                if (METACHARACTERS.indexOf(c) >= 0) {
                    regex.append('\\').append((char) c);
                } else if (c < 0x20 || c == 0x7f) {
                    regex.append(String.format("\\x%02x", c));
                } else {
                    regex.append((char) c);
                }
            } else if (c <= 0xffff) {
                // Escaped so that the regex stays ASCII wherever it can; lone surrogates have no other spelling.
                regex.append(String.format("\\u%04x", c));
            } else {
                // Written raw: as a surrogate-pair escape, Python would read two code points.
                regex.appendCodePoint(c);
            }
        });
        return regex.toString();
    }

    /**
     * The alternation of the regexes, without duplicates. An empty alternative makes the rest optional instead, since
     * empty alternatives are where regex dialects disagree.
     */
    static String alternation(Collection<String> regexes) {
        Set<String> distinct = new LinkedHashSet<>(regexes);
        boolean empty = distinct.remove("");
        String alternation;
        if (distinct.isEmpty()) {
            return "";
        } else if (distinct.size() == 1) {
            alternation = distinct.iterator().next();
        } else {
            alternation = "(?:" + String.join("|", distinct) + ")";
        }
        return empty ? optional(alternation) : alternation;
    }

    static String optional(String regex) {
        return regex.isEmpty() ? "" : atom(regex) + "?";
    }

    /** {@code regex} repeated {@code min} to {@code max} times ({@code max} -1: unbounded). */
    static String repeat(String regex, int min, int max) {
        if (max == 0 || regex.isEmpty()) {
            return "";
        }
        if (min == 1 && max == 1) {
            return regex;
        }
        String quantifier;
        if (max == -1) {
            quantifier = min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}";
        } else if (min == 0 && max == 1) {
            quantifier = "?";
        } else {
            quantifier = min == max ? "{" + min + "}" : "{" + min + "," + max + "}";
        }
        return atom(regex) + quantifier;
    }

    /** The regex as one quantifiable unit: itself where it already is one, else in a non-capturing group. */
    static String atom(String regex) {
        return isAtom(regex) ? regex : "(?:" + regex + ")";
    }

    private static boolean isAtom(String regex) {
        int end = atomEnd(regex, 0);
        return end == regex.length();
    }

    /** Where the atom that starts at {@code start} ends, for the regexes this package writes. */
    private static int atomEnd(String regex, int start) {
        char c = regex.charAt(start);
        if (c == '\\') {
            char escaped = regex.charAt(start + 1);
            return start + (escaped == 'x' ? 4 : escaped == 'u' ? 6 : 2);
        }
        if (c == '[') {
            int i = start + 1;
            while (regex.charAt(i) != ']') {
                i += regex.charAt(i) == '\\' ? 2 : 1;
            }
            return i + 1;
        }
        if (c == '(') {
            int depth = 0;
            for (int i = start; i < regex.length(); i++) {
                char d = regex.charAt(i);
                if (d == '\\') {
                    i++;
                } else if (d == '[') {
                    i = atomEnd(regex, i) - 1;
                } else if (d == '(') {
                    depth++;
                } else if (d == ')' && --depth == 0) {
                    return i + 1;
                }
            }
        }
        return start + Character.charCount(regex.codePointAt(start));
    }

    /** The regex of the value, written in the canonical layout. */
    static String literal(JsonNode value) {
        if (value.isObject()) {
            List<String> members = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                members.add(quote(jsonString(member.getKey())) + COLON + literal(member.getValue()));
            }
            return "\\{" + String.join(COMMA, members) + "\\}";
        }
        if (value.isArray()) {
            List<String> elements = new ArrayList<>();
            value.forEach(element -> elements.add(literal(element)));
            return "\\[" + String.join(COMMA, elements) + "\\]";
        }
        return quote(compact(value));
    }

    /** The value as JSON text without any whitespace. */
    static String compact(JsonNode value) {
        if (value.isObject()) {
            List<String> members = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                members.add(jsonString(member.getKey()) + ":" + compact(member.getValue()));
            }
            return "{" + String.join(",", members) + "}";
        }
        if (value.isArray()) {
            List<String> elements = new ArrayList<>();
            value.forEach(element -> elements.add(compact(element)));
            return "[" + String.join(",", elements) + "]";
        }
        return value.isTextual() ? jsonString(value.textValue()) : value.toString();
    }

    /** The JSON text of the string: only what JSON requires escaped is, so that the text is what models write. */
    static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20 || Character.isSurrogate((char) c) && c <= 0xffff) {
                        json.append(String.format("\\u%04x", c));
                    } else {
                        json.appendCodePoint(c);
                    }
                }
            }
        });
        return json.append('"').toString();
    }
}
