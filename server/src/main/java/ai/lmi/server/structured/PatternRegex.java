package ai.lmi.server.structured;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSON Schema's {@code pattern} as a regex of JSON string contents. A pattern is ECMA-262 syntax, validators run it
 * with their own engine (networknt: java.util.regex) and it matches anywhere in the decoded string; so only the subset
 * on which ECMA-262 and java.util.regex agree is translated, unanchored ends become any characters, and the pattern's
 * own characters are those a JSON string holds unescaped: where the pattern names {@code "}, {@code \} or a control
 * character, which a JSON string must escape, it is refused; inside classes those are dropped, which only narrows.
 * Characters beyond the Basic Multilingual Plane are neither written nor allowed in the pattern: an ECMA-262 engine
 * without the {@code u} flag matches them as two units, java.util.regex as one.
 */
final class PatternRegex {

    /** The regex of the string contents, and how many characters the decoded strings have ({@code maxLength} -1: any). */
    record Translation(String regex, int minLength, int maxLength) {}

    private record Piece(String regex, int min, int max) {}

    private static final int BMP = 0x10000;
    private static final BitSet RAW = new BitSet(BMP);
    private static final BitSet DOT = new BitSet(BMP);
    private static final BitSet DIGIT = new BitSet(BMP);
    private static final BitSet WORD = new BitSet(BMP);
    /** Whitespace to both engines, and to either: a class escape stands for the first, a negated class removes the second. */
    private static final BitSet SPACE_TO_BOTH = new BitSet(BMP);
    private static final BitSet SPACE_TO_EITHER = new BitSet(BMP);

    static {
        RAW.set(0x20, BMP);
        RAW.clear('"');
        RAW.clear('\\');
        RAW.clear(Character.MIN_SURROGATE, Character.MAX_SURROGATE + 1);
        DOT.or(RAW);
        for (char terminator : new char[] {'\u0085', '\u2028', '\u2029'}) {
            DOT.clear(terminator);
        }
        DIGIT.set('0', '9' + 1);
        WORD.or(DIGIT);
        WORD.set('a', 'z' + 1);
        WORD.set('A', 'Z' + 1);
        WORD.set('_');
        BitSet java = setOf(" \t\n\u000b\f\r");
        BitSet ecma = setOf("\t\n\u000b\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff");
        ecma.set(0x2000, 0x200a + 1);
        SPACE_TO_BOTH.or(java);
        SPACE_TO_BOTH.and(ecma);
        SPACE_TO_EITHER.or(java);
        SPACE_TO_EITHER.or(ecma);
    }

    private static final Pattern BRACES = Pattern.compile("\\{([0-9]{1,6})(,([0-9]{0,6}))?}");

    private static final Piece ANY = new Piece(JsonRegexParts.repeat(JsonRegexParts.STRING_UNIT, 0, -1), 0, -1);
    private static final Piece EMPTY = new Piece("", 0, 0);

    private final String pattern;
    private int position;

    private PatternRegex(String pattern) {
        this.pattern = pattern;
    }

    /** The translation; IllegalArgumentException saying what in the pattern is not supported. */
    static Translation of(String pattern) {
        return new PatternRegex(pattern).translate();
    }

    private Translation translate() {
        if (pattern.contains("&&")) {
            throw unsupported("'&&' (an intersection inside java.util.regex classes)");
        }
        List<Piece> alternatives = new ArrayList<>();
        do {
            boolean fromStart = eat('^');
            Piece body = sequence();
            boolean toEnd = eat('$');
            if (!atEnd() && peek() != '|') {
                throw unsupported(peek() == ')' ? "an unbalanced ')'" : "'$' before the end of the pattern");
            }
            boolean anywhere = !fromStart && !toEnd && body.regex.isEmpty();
            alternatives.add(anywhere ? ANY : concatenation(List.of(fromStart ? EMPTY : ANY, body, toEnd ? EMPTY : ANY)));
        } while (eat('|'));
        Piece pattern = alternation(alternatives);
        return new Translation(pattern.regex, pattern.min, pattern.max);
    }

    private Piece sequence() {
        List<Piece> pieces = new ArrayList<>();
        while (!atEnd() && "|)$".indexOf(peek()) < 0) {
            pieces.add(quantified());
        }
        return concatenation(pieces);
    }

    private Piece quantified() {
        Piece atom = atom();
        if (atEnd()) {
            return atom;
        }
        int min;
        int max;
        char c = peek();
        if (c == '*' || c == '+' || c == '?') {
            position++;
            min = c == '+' ? 1 : 0;
            max = c == '?' ? 1 : -1;
        } else if (c == '{') {
            Matcher braces = BRACES.matcher(pattern).region(position, pattern.length());
            if (!braces.lookingAt()) {
                throw unsupported("a '{' that is not a quantifier {n}, {n,} or {n,m}");
            }
            min = Integer.parseInt(braces.group(1));
            max = braces.group(2) == null ? min : braces.group(3).isEmpty() ? -1 : Integer.parseInt(braces.group(3));
            if (max != -1 && max < min) {
                throw unsupported("a quantifier {n,m} with n > m");
            }
            position = braces.end();
        } else {
            return atom;
        }
        // A lazy quantifier matches the same strings; a possessive one (java.util.regex only) does not.
        eat('?');
        if (!atEnd() && peek() == '+') {
            throw unsupported("a possessive quantifier");
        }
        return repeat(atom, min, max);
    }

    private Piece atom() {
        int c = next();
        switch (c) {
            case '(' -> {
                return group();
            }
            case '[' -> {
                return characters(characterClass());
            }
            case '.' -> {
                return characters(DOT);
            }
            case '\\' -> {
                return escape();
            }
            case '^' -> throw unsupported("'^' other than at the start of the pattern or of a top-level alternative");
            case '*', '+', '?', '{' -> throw unsupported("a quantifier with nothing to repeat");
            case ']', '}' -> throw unsupported("an unescaped '" + (char) c + "'");
            default -> {
                return characters(single(literal(c)));
            }
        }
    }

    private Piece group() {
        if (eat('?')) {
            boolean named = !atEnd() && peek() == '<' && position + 1 < pattern.length()
                    && Character.isLetter(pattern.charAt(position + 1));
            if (named) {
                position = pattern.indexOf('>', position);
                if (position < 0 || !pattern.substring(pattern.lastIndexOf('<', position) + 1, position)
                        .matches("[A-Za-z][A-Za-z0-9]*")) {
                    throw unsupported("a malformed group name");
                }
                position++;
            } else if (!eat(':')) {
                throw unsupported("'(?' other than '(?:' and named groups (lookaround, flags)");
            }
        }
        List<Piece> alternatives = new ArrayList<>();
        do {
            alternatives.add(sequence());
        } while (eat('|'));
        if (!eat(')')) {
            throw unsupported(atEnd() ? "an unclosed '('" : "'$' before the end of the pattern");
        }
        return alternation(alternatives);
    }

    private Piece escape() {
        if (atEnd()) {
            throw unsupported("a trailing backslash");
        }
        int c = next();
        BitSet set = classEscape(c, false);
        if (set != null) {
            BitSet raw = (BitSet) set.clone();
            raw.and(RAW);
            return characters(raw);
        }
        if (c == 'x' || c == 'u') {
            return characters(single(literal(hex(c == 'x' ? 2 : 4))));
        }
        if (Character.isLetterOrDigit(c)) {
            throw unsupported("the escape \\" + Character.toString(c)
                    + " (backreferences, word boundaries, control characters and engine-specific escapes are not)");
        }
        return characters(single(literal(c)));
    }

    /** The set a class escape stands for, or null where {@code c} does not make one. */
    private static BitSet classEscape(int c, boolean negatedClass) {
        return switch (c) {
            case 'd' -> DIGIT;
            case 'D' -> complement(DIGIT);
            case 'w' -> WORD;
            case 'W' -> complement(WORD);
            case 's' -> negatedClass ? SPACE_TO_EITHER : SPACE_TO_BOTH;
            case 'S' -> complement(negatedClass ? SPACE_TO_BOTH : SPACE_TO_EITHER);
            default -> null;
        };
    }

    private BitSet characterClass() {
        boolean negated = eat('^');
        if (!atEnd() && peek() == ']') {
            throw unsupported("a class that starts with ']' (the engines read it differently)");
        }
        BitSet set = new BitSet(BMP);
        while (!eat(']')) {
            if (atEnd()) {
                throw unsupported("an unclosed '['");
            }
            if (peek() == '[') {
                throw unsupported("'[' inside a class (java.util.regex nests classes)");
            }
            int start = position;
            BitSet escapeSet = null;
            int low;
            if (eat('\\')) {
                if (atEnd()) {
                    throw unsupported("a trailing backslash");
                }
                int c = next();
                escapeSet = classEscape(c, negated);
                low = escapeSet != null ? -1 : classEscapedCharacter(c);
            } else {
                low = next();
            }
            if (escapeSet != null) {
                set.or(escapeSet);
            } else if (rangeFollows()) {
                position++;
                boolean escaped = eat('\\');
                if (atEnd() || !escaped && peek() == '[') {
                    throw unsupported("a range without an end character");
                }
                int high = escaped ? classEscapedCharacter(next()) : next();
                if (high < low || high >= BMP) {
                    throw unsupported("the range at " + start + " (reversed, or with an endpoint that is not one character)");
                }
                set.set(low, high + 1);
            } else {
                set.set(checkedPlane(low));
            }
            if (escapeSet != null && rangeFollows()) {
                throw unsupported("a range from a class escape");
            }
        }
        if (negated) {
            set = complement(set);
        }
        set.and(RAW);
        if (set.isEmpty()) {
            throw unsupported("a class of only characters a JSON string must escape");
        }
        return set;
    }

    /** Whether a '-' at the position makes a range, rather than standing for itself before the closing ']'. */
    private boolean rangeFollows() {
        return !atEnd() && peek() == '-' && position + 1 < pattern.length() && pattern.charAt(position + 1) != ']';
    }

    private int classEscapedCharacter(int c) {
        if (c == 'x' || c == 'u') {
            return checkedPlane(hex(c == 'x' ? 2 : 4));
        }
        if (c == 'n' || c == 'r' || c == 't' || c == 'f') {
            // Control characters: dropped from the class with the others a JSON string must escape.
            return c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : '\f';
        }
        if (Character.isLetterOrDigit(c)) {
            throw unsupported("the escape \\" + Character.toString(c) + " inside a class");
        }
        return checkedPlane(c);
    }

    private int hex(int digits) {
        if (position + digits > pattern.length()
                || !pattern.substring(position, position + digits).matches("[0-9a-fA-F]+")) {
            throw unsupported("a malformed hexadecimal escape");
        }
        int value = Integer.parseInt(pattern.substring(position, position + digits), 16);
        position += digits;
        return value;
    }

    private int literal(int c) {
        checkedPlane(c);
        if (!RAW.get(c)) {
            throw unsupported(String.format("the character U+%04X, which a JSON string must escape", c));
        }
        return c;
    }

    private int checkedPlane(int c) {
        if (c >= BMP) {
            throw unsupported("a character beyond the Basic Multilingual Plane");
        }
        if (Character.isSurrogate((char) c)) {
            throw unsupported("a surrogate code unit");
        }
        return c;
    }

    private static Piece characters(BitSet set) {
        return new Piece(characterRegex(set), 1, 1);
    }

    private static String characterRegex(BitSet set) {
        if (set.cardinality() == 1) {
            return JsonRegexParts.quote(new String(Character.toChars(set.nextSetBit(0))));
        }
        StringBuilder regex = new StringBuilder("[");
        for (int low = set.nextSetBit(0); low >= 0; low = set.nextSetBit(set.nextClearBit(low))) {
            int high = set.nextClearBit(low) - 1;
            regex.append(classCharacter(low));
            if (high > low) {
                regex.append(high > low + 1 ? "-" : "").append(classCharacter(high));
            }
        }
        return regex.append(']').toString();
    }

    /** Inside a class, anything but letters and digits is escaped: java.util.regex gives {@code [ & -} meaning there. */
    private static String classCharacter(int c) {
        if (c < 0x80 && Character.isLetterOrDigit(c)) {
            return String.valueOf((char) c);
        }
        return c < 0x100 ? String.format("\\x%02x", c) : String.format("\\u%04x", c);
    }

    private static Piece concatenation(List<Piece> pieces) {
        StringBuilder regex = new StringBuilder();
        int min = 0;
        int max = 0;
        for (Piece piece : pieces) {
            regex.append(piece.regex);
            min = saturated((long) min + piece.min);
            max = max == -1 || piece.max == -1 ? -1 : saturated((long) max + piece.max);
        }
        return new Piece(regex.toString(), min, max);
    }

    private static Piece alternation(List<Piece> pieces) {
        List<String> regexes = new ArrayList<>();
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (Piece piece : pieces) {
            regexes.add(piece.regex);
            min = Math.min(min, piece.min);
            max = max == -1 || piece.max == -1 ? -1 : Math.max(max, piece.max);
        }
        return new Piece(JsonRegexParts.alternation(regexes), min, max);
    }

    private static Piece repeat(Piece piece, int min, int max) {
        int total = max == -1 || piece.max == -1 ? (piece.max == 0 ? 0 : -1) : saturated((long) piece.max * max);
        return new Piece(JsonRegexParts.repeat(piece.regex, min, max), saturated((long) piece.min * min), total);
    }

    /** Lengths too long to matter saturate to "any". */
    private static int saturated(long length) {
        return length > Integer.MAX_VALUE / 2 ? -1 : (int) length;
    }

    private static BitSet single(int c) {
        BitSet set = new BitSet(BMP);
        set.set(c);
        return set;
    }

    private static BitSet setOf(String characters) {
        BitSet set = new BitSet(BMP);
        characters.chars().forEach(set::set);
        return set;
    }

    private static BitSet complement(BitSet set) {
        BitSet complement = new BitSet(BMP);
        complement.set(0, BMP);
        complement.andNot(set);
        return complement;
    }

    private boolean atEnd() {
        return position >= pattern.length();
    }

    private char peek() {
        return pattern.charAt(position);
    }

    private int next() {
        int c = pattern.codePointAt(position);
        position += Character.charCount(c);
        return c;
    }

    private boolean eat(char c) {
        if (!atEnd() && peek() == c) {
            position++;
            return true;
        }
        return false;
    }

    private IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("is not supported here: the pattern has " + what + " at offset " + position);
    }
}
