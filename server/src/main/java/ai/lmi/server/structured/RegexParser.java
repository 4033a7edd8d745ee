package ai.lmi.server.structured;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * Parses a regular expression into a (non-deterministic) automaton over Unicode code points that accepts exactly
 * the strings the whole pattern matches.
 *
 * <p>The dialect is Python {@code re} (what vLLM users write as {@code guided_regex}), kept to what
 * {@code java.util.regex} reads the same way, because generated patterns are also checked with it:
 * <ul>
 *   <li>Literals, and escapes: {@code \n \t \r \f \v \a}, {@code \0} (with up to two more octal digits),
 *       {@code \xHH}, <code>&#92;uHHHH</code> (a surrogate pair written as two such escapes is one code point, as in
 *       Java and JSON), {@code \UHHHHHHHH}; a backslash before any other character that is not an ASCII letter or
 *       digit stands for that character (<code>\. \\ \" \&#123; \- \/ \&nbsp;</code> ...).</li>
 *   <li>{@code .} is any code point but {@code \n}; {@code \d \w \s} are ASCII {@code [0-9]},
 *       {@code [A-Za-z0-9_]}, {@code [ \t\n\r\f\v]} (Java's default, Python's under {@code re.ASCII}), and
 *       {@code \D \W \S} their complements.</li>
 *   <li>Sets {@code [...]} and {@code [^...]} with ranges, escapes and {@code \d}-style shorthands; {@code ]}
 *       first, and {@code -} first or last, are literal. An unescaped {@code [} or {@code &&} inside a set is
 *       refused: Java reads them as a nested set and an intersection.</li>
 *   <li>Groups {@code (...)}, {@code (?:...)}, {@code (?P<name>...)} and Java's {@code (?<name>...)} (names
 *       ignored); alternation {@code |}, empty alternatives included; quantifiers
 *       {@code * + ? {n} {n,} {n,m} {,m}} and their lazy forms (same language). A <code>&#123;</code> that does
 *       not start a valid quantifier is literal. Bounds above {@value #MAX_REPEAT} are refused.</li>
 *   <li>{@code ^} and {@code \A} only at the very start, {@code $}, {@code \Z} and {@code \z} only at the very
 *       end, where they change nothing: the match is always of the whole text.</li>
 * </ul>
 * Anything else is refused with an {@link IllegalArgumentException} naming the construct and its position (a
 * code point offset, as Python counts): backreferences, lookaround, {@code \b \B}, inline flags, conditionals,
 * comments, atomic groups, possessive quantifiers, {@code \N{...}}, octal escapes other than {@code \0}, bad
 * escapes, ranges and bounds, unbalanced parentheses and quantifiers with nothing to repeat. Surrogate code
 * points (U+D800..U+DFFF) have no UTF-8 form and never match, even where a set or {@code .} would include them.
 */
final class RegexParser {

    /** The largest repetition bound accepted. */
    static final int MAX_REPEAT = 10_000;

    /** Caps the states of every automaton built, since each costs time and memory in the steps that follow. */
    static final int MAX_STATES = 250_000;

    // Deeper nesting would risk the recursion overflowing the stack.
    private static final int MAX_NESTING = 200;

    private static final int SURROGATE_MIN = 0xD800;
    private static final int SURROGATE_MAX = 0xDFFF;

    private static final List<int[]> DIGIT = List.of(new int[] {'0', '9'});
    private static final List<int[]> WORD =
            List.of(new int[] {'0', '9'}, new int[] {'A', 'Z'}, new int[] {'_', '_'}, new int[] {'a', 'z'});
    private static final List<int[]> SPACE = List.of(new int[] {'\t', '\r'}, new int[] {' ', ' '});
    private static final List<int[]> NEWLINE = List.of(new int[] {'\n', '\n'});

    private final int[] cps;
    private int pos;
    private int depth;

    private RegexParser(String regex) {
        this.cps = regex.codePoints().toArray();
    }

    /** The automaton of {@code regex}; IllegalArgumentException for what the dialect refuses or too many states. */
    static Automaton parse(String regex) {
        RegexParser parser = new RegexParser(regex);
        Automaton automaton = parser.alternation();
        if (parser.pos < parser.cps.length) {
            throw parser.error("unbalanced parenthesis ')'", parser.pos);
        }
        return automaton;
    }

    /** The exception for a pattern whose automaton would exceed {@link #MAX_STATES}. */
    static IllegalArgumentException tooComplex() {
        return new IllegalArgumentException(
                "the pattern is too complex: its automaton would need more than " + MAX_STATES + " states");
    }

    private Automaton alternation() {
        List<Automaton> alternatives = new ArrayList<>();
        long states = 0;
        do {
            if (!alternatives.isEmpty()) {
                pos++;
            }
            Automaton alternative = sequence();
            alternatives.add(alternative);
            states = checkSize(states + alternative.getNumStates());
        } while (peek('|'));
        return alternatives.size() == 1 ? alternatives.get(0) : Operations.union(alternatives);
    }

    private Automaton sequence() {
        List<Automaton> items = new ArrayList<>();
        long states = 0;
        while (pos < cps.length && cps[pos] != '|' && cps[pos] != ')') {
            Automaton atom = atom();
            if (atom == null) {
                if (quantifierAhead()) {
                    throw error("nothing to repeat after the anchor", pos);
                }
                continue;
            }
            Automaton item = quantified(atom);
            items.add(item);
            states = checkSize(states + item.getNumStates());
        }
        return switch (items.size()) {
            // Lucene's concatenation of nothing accepts nothing, not the empty string.
            case 0 -> Automata.makeEmptyString();
            case 1 -> items.get(0);
            default -> Operations.concatenate(items);
        };
    }

    /** The next atom, or null for an anchor (which matches the empty string and may not be repeated). */
    private Automaton atom() {
        int at = pos;
        int c = cps[pos++];
        switch (c) {
            case '(' -> {
                return group(at);
            }
            case '[' -> {
                return set(at);
            }
            case '.' -> {
                return automatonOf(complement(NEWLINE));
            }
            case '\\' -> {
                return escape(at);
            }
            case '^' -> {
                if (at != 0) {
                    throw error("anchor ^ is only supported at the start of the pattern", at);
                }
                return null;
            }
            case '$' -> {
                if (pos != cps.length) {
                    throw error("anchor $ is only supported at the end of the pattern", at);
                }
                return null;
            }
            case '*', '+', '?', '{' -> {
                pos = at;
                if (bounds() != null) {
                    throw error("nothing to repeat for the quantifier " + text(at, pos), at);
                }
                pos = at + 1;
                return single(c);
            }
            default -> {
                return single(c);
            }
        }
    }

    private Automaton quantified(Automaton atom) {
        int at = pos;
        int[] bounds = bounds();
        if (bounds == null) {
            return atom;
        }
        if (peek('?')) {
            pos++;
        } else if (peek('+')) {
            throw error("possessive quantifier " + text(at, pos + 1) + " is not supported", at);
        }
        if (quantifierAhead()) {
            throw error("multiple repeat: a quantifier may not follow " + text(at, pos), pos);
        }
        return repeat(atom, bounds[0], bounds[1]);
    }

    /** The {min, max} (max -1 when unbounded) of the quantifier at pos, consumed; null, consuming nothing, if none. */
    private int[] bounds() {
        if (pos >= cps.length) {
            return null;
        }
        int at = pos;
        if (cps[pos] != '{') {
            int[] bounds = switch (cps[pos]) {
                case '*' -> new int[] {0, -1};
                case '+' -> new int[] {1, -1};
                case '?' -> new int[] {0, 1};
                default -> null;
            };
            pos += bounds != null ? 1 : 0;
            return bounds;
        }
        pos++;
        String low = digits();
        String high = low;
        boolean comma = peek(',');
        if (comma) {
            pos++;
            high = digits();
        }
        if (!peek('}') || (low.isEmpty() && !comma)) {
            pos = at;
            return null;
        }
        pos++;
        int min = low.isEmpty() ? 0 : bound(low, at);
        int max = high.isEmpty() ? -1 : bound(high, at);
        if (max >= 0 && max < min) {
            throw error("min repeat greater than max repeat in " + text(at, pos), at);
        }
        return new int[] {min, max};
    }

    private String digits() {
        int from = pos;
        while (pos < cps.length && cps[pos] >= '0' && cps[pos] <= '9') {
            pos++;
        }
        return text(from, pos);
    }

    private int bound(String digits, int at) {
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            // Saturates, so that a bound too long for an int is refused like any other above the limit.
            value = Math.min(value * 10 + digits.charAt(i) - '0', MAX_REPEAT + 1L);
        }
        if (value > MAX_REPEAT) {
            throw error("repetition bound " + digits + " above " + MAX_REPEAT + " in " + text(at, pos), at);
        }
        return (int) value;
    }

    private boolean quantifierAhead() {
        int at = pos;
        boolean found = bounds() != null;
        pos = at;
        return found;
    }

    private Automaton repeat(Automaton atom, int min, int max) {
        // Lucene gives no automaton at all for the star of an empty language, which should accept "".
        if (Operations.isEmpty(atom)) {
            return min == 0 ? Automata.makeEmptyString() : Automata.makeEmpty();
        }
        long copies = max < 0 ? min + 1L : max;
        if (atom.getNumStates() * copies > MAX_STATES) {
            throw tooComplex();
        }
        if (max >= 0) {
            return Operations.repeat(atom, min, max);
        }
        return min == 0 ? Operations.repeat(atom) : Operations.repeat(atom, min);
    }

    private Automaton group(int at) {
        if (++depth > MAX_NESTING) {
            throw error("groups nested more than " + MAX_NESTING + " deep", at);
        }
        if (peek('?')) {
            pos++;
            groupExtension(at);
        }
        Automaton inner = alternation();
        if (!peek(')')) {
            throw error("missing ), unterminated group", at);
        }
        pos++;
        depth--;
        return inner;
    }

    private void groupExtension(int at) {
        int c = next(at, "unterminated group extension (?");
        switch (c) {
            case ':' -> { }
            case 'P' -> {
                int p = next(at, "unterminated group extension (?P");
                if (p == '=') {
                    throw error("backreference (?P=name) is not supported", at);
                }
                if (p != '<') {
                    throw error("unknown group extension " + text(at, pos), at);
                }
                groupName(at);
            }
            case '<' -> {
                if (peek('=')) {
                    throw error("lookbehind (?<= is not supported", at);
                }
                if (peek('!')) {
                    throw error("negative lookbehind (?<! is not supported", at);
                }
                groupName(at);
            }
            case '=' -> throw error("lookahead (?= is not supported", at);
            case '!' -> throw error("negative lookahead (?! is not supported", at);
            case '>' -> throw error("atomic group (?> is not supported", at);
            case '(' -> throw error("conditional group (?( is not supported", at);
            case '#' -> throw error("comment group (?# is not supported", at);
            default -> throw error("aiLmsux-".indexOf(c) >= 0
                    ? "inline flags " + text(at, pos) + " are not supported"
                    : "unknown group extension " + text(at, pos), at);
        }
    }

    private void groupName(int at) {
        int from = pos;
        while (pos < cps.length && (cps[pos] == '_' || Character.isLetterOrDigit(cps[pos]))) {
            pos++;
        }
        if (pos == from || Character.isDigit(cps[from]) || !peek('>')) {
            throw error("bad group name in " + text(at, Math.min(pos + 1, cps.length)), at);
        }
        pos++;
    }

    /** Null for an anchor, as {@link #atom()}. */
    private Automaton escape(int at) {
        int c = next(at, "bad escape (end of pattern)");
        if (c == 'A' && at != 0) {
            throw error("anchor \\A is only supported at the start of the pattern", at);
        }
        if ((c == 'Z' || c == 'z') && pos != cps.length) {
            throw error("anchor " + text(at, pos) + " is only supported at the end of the pattern", at);
        }
        if (c == 'A' || c == 'Z' || c == 'z') {
            return null;
        }
        if (c == 'b' || c == 'B') {
            throw error("word boundary " + text(at, pos) + " is not supported", at);
        }
        if (c >= '1' && c <= '9') {
            throw error("backreference " + text(at, pos) + " is not supported", at);
        }
        List<int[]> shorthand = shorthand(c);
        return shorthand != null ? automatonOf(shorthand) : single(escapedCodePoint(c, at));
    }

    private Automaton set(int at) {
        boolean negated = peek('^');
        if (negated) {
            pos++;
        }
        List<int[]> ranges = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (pos >= cps.length) {
                throw error("unterminated character set", at);
            }
            int itemAt = pos;
            int c = cps[pos++];
            if (c == ']' && !first) {
                break;
            }
            first = false;
            if (c == '\\' && pos < cps.length && shorthand(cps[pos]) != null) {
                ranges.addAll(shorthand(cps[pos++]));
                if (rangeDashAhead()) {
                    throw error("bad character range " + text(itemAt, pos + 2), itemAt);
                }
                continue;
            }
            int low = setMember(c, itemAt);
            int high = low;
            if (rangeDashAhead()) {
                pos++;
                int highAt = pos;
                int h = cps[pos++];
                if (h == '\\' && pos < cps.length && shorthand(cps[pos]) != null) {
                    throw error("bad character range " + text(itemAt, pos + 1), itemAt);
                }
                high = setMember(h, highAt);
                if (high < low) {
                    throw error("bad character range " + text(itemAt, pos), itemAt);
                }
            }
            ranges.add(new int[] {low, high});
        }
        return automatonOf(negated ? complement(ranges) : ranges);
    }

    // A '-' just before the closing ']' stands for itself.
    private boolean rangeDashAhead() {
        return peek('-') && pos + 1 < cps.length && cps[pos + 1] != ']';
    }

    private int setMember(int c, int itemAt) {
        if (c == '[') {
            throw error("unescaped [ in a set is ambiguous (Java nests a set); write \\[", itemAt);
        }
        if (c == '&' && peek('&')) {
            throw error("unescaped && in a set is ambiguous (Java intersects); write \\&\\&", itemAt);
        }
        if (c != '\\') {
            return c;
        }
        int e = next(itemAt, "unterminated character set");
        if (e == 'b') {
            throw error("\\b inside a character set is not supported (write \\x08)", itemAt);
        }
        if (e >= '1' && e <= '9') {
            throw error("octal escape " + text(itemAt, pos) + " is not supported (write \\xHH)", itemAt);
        }
        return escapedCodePoint(e, itemAt);
    }

    private int escapedCodePoint(int c, int at) {
        return switch (c) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'f' -> '\f';
            case 'v' -> 0x0B;
            case 'a' -> 0x07;
            case '0' -> octal();
            case 'x' -> hex(2, at);
            case 'u' -> utf16Escape(at);
            case 'U' -> {
                int codePoint = hex(8, at);
                if (codePoint > Character.MAX_CODE_POINT) {
                    throw error("bad escape " + text(at, pos) + " beyond U+10FFFF", at);
                }
                yield codePoint;
            }
            case 'N' -> throw error("named character escape \\N is not supported", at);
            default -> {
                if (c < 128 && Character.isLetterOrDigit(c)) {
                    throw error("bad escape " + text(at, pos), at);
                }
                yield c;
            }
        };
    }

    private int octal() {
        int value = 0;
        for (int i = 0; i < 2 && pos < cps.length && cps[pos] >= '0' && cps[pos] <= '7'; i++) {
            value = value * 8 + cps[pos++] - '0';
        }
        return value;
    }

    // Java and JSON read a surrogate pair written as two escapes as one code point; Python would match nothing.
    private int utf16Escape(int at) {
        int unit = hex(4, at);
        if (Character.isHighSurrogate((char) unit) && lowSurrogateEscapeAhead()) {
            pos += 2;
            return Character.toCodePoint((char) unit, (char) hex(4, at));
        }
        return unit;
    }

    private boolean lowSurrogateEscapeAhead() {
        if (pos + 6 > cps.length || cps[pos] != '\\' || cps[pos + 1] != 'u') {
            return false;
        }
        int unit = 0;
        for (int i = pos + 2; i < pos + 6; i++) {
            int digit = Character.digit(cps[i], 16);
            if (digit < 0) {
                return false;
            }
            unit = unit * 16 + digit;
        }
        return Character.isLowSurrogate((char) unit);
    }

    private int hex(int count, int at) {
        int value = 0;
        for (int i = 0; i < count; i++) {
            int digit = pos < cps.length && cps[pos] < 128 ? Character.digit(cps[pos], 16) : -1;
            if (digit < 0) {
                throw error("incomplete escape " + text(at, pos) + " (" + count + " hex digits expected)", at);
            }
            value = value * 16 + digit;
            pos++;
        }
        return value;
    }

    private static List<int[]> shorthand(int c) {
        return switch (c) {
            case 'd' -> DIGIT;
            case 'w' -> WORD;
            case 's' -> SPACE;
            case 'D' -> complement(DIGIT);
            case 'W' -> complement(WORD);
            case 'S' -> complement(SPACE);
            default -> null;
        };
    }

    private static List<int[]> complement(List<int[]> ranges) {
        List<int[]> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingInt(r -> r[0]));
        List<int[]> gaps = new ArrayList<>();
        int next = 0;
        for (int[] range : sorted) {
            if (range[0] > next) {
                gaps.add(new int[] {next, range[0] - 1});
            }
            next = Math.max(next, range[1] + 1);
        }
        if (next <= Character.MAX_CODE_POINT) {
            gaps.add(new int[] {next, Character.MAX_CODE_POINT});
        }
        return gaps;
    }

    private static Automaton single(int codePoint) {
        return automatonOf(List.of(new int[] {codePoint, codePoint}));
    }

    // Surrogates are left out: they have no UTF-8 encoding, so no text holds them.
    private static Automaton automatonOf(List<int[]> ranges) {
        Automaton automaton = new Automaton();
        int from = automaton.createState();
        int to = automaton.createState();
        automaton.setAccept(to, true);
        for (int[] range : ranges) {
            addRange(automaton, from, to, range[0], Math.min(range[1], SURROGATE_MIN - 1));
            addRange(automaton, from, to, Math.max(range[0], SURROGATE_MAX + 1), range[1]);
        }
        automaton.finishState();
        return automaton;
    }

    private static void addRange(Automaton automaton, int from, int to, int low, int high) {
        if (low <= high) {
            automaton.addTransition(from, to, low, high);
        }
    }

    private static long checkSize(long states) {
        if (states > MAX_STATES) {
            throw tooComplex();
        }
        return states;
    }

    private boolean peek(int c) {
        return pos < cps.length && cps[pos] == c;
    }

    private int next(int at, String whatIsMissing) {
        if (pos >= cps.length) {
            throw error(whatIsMissing, at);
        }
        return cps[pos++];
    }

    private String text(int from, int to) {
        return new String(cps, from, Math.min(to, cps.length) - from);
    }

    private IllegalArgumentException error(String what, int at) {
        return new IllegalArgumentException(what + " at position " + at);
    }
}
