package ai.lmi.server.structured;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The byte automaton against java.util.regex on seeded random strings, and the invariants guided decoding needs. */
class ByteDfaTest {

    private static final int STRINGS_PER_PATTERN = 3000;

    /** A pattern, the same language in java.util.regex syntax where that differs, and strings that match it. */
    record Case(String regex, String javaRegex, List<String> matching) {
        Case(String regex, String... matching) {
            this(regex, regex, List.of(matching));
        }

        static Case java(String regex, String javaRegex, String... matching) {
            return new Case(regex, javaRegex, List.of(matching));
        }

        @Override
        public String toString() {
            return "/" + regex + "/";
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("\\{\"a\":[ ]?(?:0|-?[1-9][0-9]{0,15})\\}", "{\"a\":0}", "{\"a\": -12}", "{\"a\":9}"),
                new Case("\"(?:[^\"\\\\\\x00-\\x1f]|\\\\[\"\\\\/bfnrt])*\"", "\"\"", "\"abc\"", "\"a\\\"b\\\\n\"",
                        "\"é😀\\t\""),
                new Case("-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?", "0", "-12.5e+3", "7E9"),
                new Case("(?:true|false|null)", "true", "null"),
                new Case("cat|dog|bird|", "cat", "", "bird"),
                new Case("(|a)b", "b", "ab"),
                new Case("(?:ab|cd){2,3}(?:e(?:f|g){1,2})?", "abcd", "cdcdabefg"),
                new Case("(?:(?:a|bc)+d){0,2}|e{1,3}", "", "abcd", "adbcd", "ee"),
                new Case("(a|b)*c(a|b){3}", "cabb", "abcbbb"),
                new Case("[α-ω]+", "αβγ", "ω"),
                new Case("[^a]", "b", "é", "😀", "\n"),
                new Case("[^a]*", "", "bcd", "αω😀"),
                Case.java("\\U0001F600", "\\x{1F600}", "😀"),
                new Case("\\uD83D\\uDE00+", "😀😀"),
                new Case(".", "a", "\r", "\u2028", "😀"),
                new Case("a.*b", "ab", "a\rx😀b"),
                new Case("\\d+\\.\\d{2}", "3.14"),
                new Case("\\w+@\\w+\\.(?:com|org)", "a_1@b.org"),
                new Case("\\s*\\S+\\s*", " x ", "\t😀\n"),
                new Case("[\\D]{1,3}", "a", "é😀x"),
                new Case("[^\\W\\d]+", "abc_", "Z"),
                new Case("[]a-c]+", "]", "a]c"),
                new Case("[^]x]+", "ab", "é"),
                new Case("[-a-c]+-[a-c-]+", "--a", "a-b-"),
                Case.java("a{2}b{,3}", "a{2}b{0,3}", "aa", "aabbb"),
                new Case("x{3,}y?", "xxx", "xxxxy"),
                Case.java("a{b}{,}c{", "a\\{b\\}*c\\{", "a{bc{", "a{b}}}c{"),
                Case.java("(?P<year>\\d{4})-(?P<m>\\d{2})", "(?<year>\\d{4})-(?<m>\\d{2})", "2024-05"),
                new Case("(?<key>[a-z]+)=(?:\\d+|true|false)", "k=12", "ab=true"),
                new Case("a+?b*?c??(?:de){1,2}?", "ade", "abbcdede"),
                new Case("^abc$", "abc"),
                Case.java("\\Aab\\Z", "\\Aab\\z", "ab"),
                Case.java("\\x41\\u00e9\\t\\v\\0", "\\x41\\u00e9\\t\\x0B\\x00", "Aé\t\u000B\0"),
                new Case("[\\u4e00-\\u9fff]{1,4}", "中文", "一二三四"),
                Case.java("[\\U00010000-\\U0010FFFF]+", "[\\x{10000}-\\x{10FFFF}]+", "😀", "\uDBFF\uDFFF"),
                new Case("[\\x00-\\x7f]*", "", "abc~"),
                new Case("[^\\x00-\\x7f]+", "é", "中😀"),
                new Case("\\#\\&\\~\\ \\-\\/\\!", "#&~ -/!"),
                new Case("[\\s\\S]{2}", "ab", "\n😀"),
                new Case("", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agreesWithJavaRegexOnRandomStrings(Case c) {
        ByteDfa dfa = ByteDfa.compile(c.regex());
        Pattern java = Pattern.compile(c.javaRegex(), Pattern.UNIX_LINES);
        Random random = new Random(c.regex().hashCode());
        int[] alphabet = alphabet(c);
        int matched = 0;
        for (int i = 0; i < STRINGS_PER_PATTERN; i++) {
            String s = randomString(random, alphabet, c.matching());
            Matcher matcher = java.matcher(s);
            boolean expected = matcher.matches();
            assertEquals(expected, dfa.matches(s.getBytes(UTF_8)), () -> "on " + escaped(s));
            if (!expected && !matcher.hitEnd()) {
                // java.util.regex never looked at the end, so no continuation can match: no viable prefix either.
                assertEquals(-1, walk(dfa, s.getBytes(UTF_8)), () -> "viable prefix " + escaped(s));
            }
            matched += expected ? 1 : 0;
        }
        assertTrue(matched > 0 && matched < STRINGS_PER_PATTERN, "random strings both match and miss: " + matched);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyReachableStateCanStillReachAMatch(Case c) {
        ByteDfa dfa = ByteDfa.compile(c.regex());
        int n = dfa.numStates();
        BitSet reached = new BitSet(n);
        List<List<Integer>> into = new ArrayList<>();
        IntStream.range(0, n).forEach(s -> into.add(new ArrayList<>()));
        ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(dfa.start()));
        reached.set(dfa.start());
        while (!queue.isEmpty()) {
            int state = queue.poll();
            boolean anyByte = false;
            for (int b = 0; b < 256; b++) {
                int next = dfa.step(state, b);
                if (next >= 0) {
                    anyByte = true;
                    into.get(next).add(state);
                    if (!reached.get(next)) {
                        reached.set(next);
                        queue.add(next);
                    }
                }
            }
            assertEquals(anyByte, dfa.hasTransitions(state));
        }
        assertEquals(n, reached.cardinality(), "every state is reachable from the start");
        BitSet live = new BitSet(n);
        IntStream.range(0, n).filter(dfa::isAccept).forEach(s -> {
            live.set(s);
            queue.add(s);
        });
        while (!queue.isEmpty()) {
            for (int from : into.get(queue.poll())) {
                if (!live.get(from)) {
                    live.set(from);
                    queue.add(from);
                }
            }
        }
        assertEquals(reached, live, "every reachable state can reach an accepting one");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aMatchIsAViablePrefixAtEveryByte(Case c) {
        ByteDfa dfa = ByteDfa.compile(c.regex());
        for (String s : c.matching()) {
            int state = dfa.start();
            for (byte b : s.getBytes(UTF_8)) {
                state = dfa.step(state, b);
                assertNotEquals(-1, state, () -> "walking " + escaped(s));
            }
            assertTrue(dfa.isAccept(state), () -> escaped(s));
        }
    }

    @Test
    void onlyWellFormedUtf8IsAccepted() {
        ByteDfa anyCharacter = ByteDfa.compile(".");
        for (String valid : List.of("7f", "c280", "dfbf", "e0a080", "ed9fbf", "ee8080", "efbfbf", "f0908080", "f48fbfbf")) {
            assertTrue(anyCharacter.matches(HexFormat.of().parseHex(valid)), valid);
        }
        // Overlong forms, surrogates, code points above U+10FFFF, stray continuation and lead bytes.
        for (String invalid : List.of("c080", "c1bf", "e09fbf", "eda080", "edbfbf", "f08fbfbf", "f4908080", "f5808080",
                "80", "ff")) {
            assertFalse(anyCharacter.matches(HexFormat.of().parseHex(invalid)), invalid);
        }
    }

    @Test
    void aTruncatedMultiByteCharacterIsViableButNotAccepted() {
        for (String[] regexAndText : new String[][] {{"[α-ω]+", "αβ"}, {"\\U0001F600", "😀"}, {"[^a]", "中"}}) {
            ByteDfa dfa = ByteDfa.compile(regexAndText[0]);
            byte[] utf8 = regexAndText[1].getBytes(UTF_8);
            for (int cut = utf8.length - 1; cut > 0 && (utf8[cut] & 0xC0) == 0x80; cut--) {
                int state = walk(dfa, Arrays.copyOf(utf8, cut));
                assertNotEquals(-1, state, regexAndText[0] + " cut at " + cut);
                assertFalse(dfa.isAccept(state), regexAndText[0] + " cut at " + cut);
            }
            assertTrue(dfa.matches(utf8));
        }
    }

    @Test
    void aCompleteMatchWithNothingToFollowHasNoTransitions() {
        ByteDfa literal = ByteDfa.compile("abc");
        int end = walk(literal, "abc".getBytes(UTF_8));
        assertTrue(literal.isAccept(end));
        assertFalse(literal.hasTransitions(end));
        assertEquals(4, literal.numStates(), "minimal, without a dead state");

        ByteDfa open = ByteDfa.compile("ab+");
        int more = walk(open, "ab".getBytes(UTF_8));
        assertTrue(open.isAccept(more));
        assertTrue(open.hasTransitions(more));
        assertEquals(more, open.step(more, 'b'));
        assertEquals(-1, open.step(more, 'c'));
    }

    @Test
    void stepTakesSignedBytes() {
        ByteDfa dfa = ByteDfa.compile("é");
        byte[] utf8 = "é".getBytes(UTF_8);
        assertEquals(dfa.step(dfa.start(), utf8[0] & 0xFF), dfa.step(dfa.start(), utf8[0]));
    }

    @Test
    void invalidUtf8NeverMatches() {
        ByteDfa any = ByteDfa.compile("[\\s\\S]*");
        assertTrue(any.matches("a中😀\n".getBytes(UTF_8)));
        byte[][] invalid = {
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate, CESU-8 style
            {(byte) 0xC0, (byte) 0x80}, // an overlong NUL
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
            {(byte) 0xFF},
            {(byte) 0x80},
        };
        for (byte[] bytes : invalid) {
            assertEquals(-1, walk(any, bytes), Arrays.toString(bytes));
        }
    }

    @Test
    void aPatternWhoseDfaExplodesIsRefusedQuickly() {
        IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IllegalArgumentException.class, () -> ByteDfa.compile("(a|b)*a(a|b){40}")));
        assertTrue(e.getMessage().startsWith("the pattern is too complex: "), e.getMessage());

        IllegalArgumentException huge = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IllegalArgumentException.class, () -> ByteDfa.compile("(?:a{10000}){10000}")));
        assertTrue(huge.getMessage().startsWith("the pattern is too complex: "), huge.getMessage());
    }

    @Test
    void aPatternThatCanMatchNothingIsRefused() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ByteDfa.compile("[\\uD800-\\uDFFF]"));
        assertEquals("the pattern can match no string", e.getMessage());
    }

    /** The state after utf8, or -1 if the walk dies on the way. */
    private static int walk(ByteDfa dfa, byte[] utf8) {
        int state = dfa.start();
        for (byte b : utf8) {
            state = dfa.step(state, b);
            if (state < 0) {
                return -1;
            }
        }
        return state;
    }

    private static int[] alphabet(Case c) {
        return Stream.concat(Stream.of(c.regex()), c.matching().stream())
                .flatMapToInt(String::codePoints)
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
                .distinct()
                .toArray();
    }

    /** Half edits of a matching string, half strings drawn from the alphabet and random 1 to 4 byte code points. */
    private static String randomString(Random random, int[] alphabet, List<String> matching) {
        StringBuilder s = new StringBuilder();
        if (random.nextBoolean()) {
            int[] cps = matching.get(random.nextInt(matching.size())).codePoints().toArray();
            List<Integer> edited = new ArrayList<>(Arrays.stream(cps).boxed().toList());
            for (int edits = random.nextInt(4); edits > 0; edits--) {
                int at = random.nextInt(edited.size() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> edited.add(at, codePoint(random, alphabet));
                    case 1 -> {
                        if (at < edited.size()) {
                            edited.remove(at);
                        }
                    }
                    default -> {
                        if (at < edited.size()) {
                            edited.set(at, codePoint(random, alphabet));
                        }
                    }
                }
            }
            edited.forEach(s::appendCodePoint);
        } else {
            for (int length = random.nextInt(12); length > 0; length--) {
                s.appendCodePoint(codePoint(random, alphabet));
            }
        }
        return s.toString();
    }

    private static int codePoint(Random random, int[] alphabet) {
        if (alphabet.length > 0 && random.nextInt(10) < 7) {
            return alphabet[random.nextInt(alphabet.length)];
        }
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(0x80);
            case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
            case 2 -> {
                int cp = 0x800 + random.nextInt(0x10000 - 0x800 - 0x800);
                yield cp < 0xD800 ? cp : cp + 0x800;
            }
            default -> 0x10000 + random.nextInt(0x110000 - 0x10000);
        };
    }

    private static String escaped(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> out.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp)
                : String.format("\\x{%X}", cp)));
        return out.append('"').toString();
    }
}
