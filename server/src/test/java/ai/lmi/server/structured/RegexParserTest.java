package ai.lmi.server.structured;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The dialect: what Python re reads and java.util.regex reads the same way, and the refusals of all else. */
class RegexParserTest {

    @ParameterizedTest(name = "{0} refused: {1}")
    @CsvSource(delimiterString = "⟹", quoteCharacter = '`', textBlock = """
            ab\\1              ⟹ backreference \\1 is not supported at position 2
            (?P<n>a)(?P=n)     ⟹ backreference (?P=name) is not supported at position 8
            a(?=b)             ⟹ lookahead (?= is not supported at position 1
            a(?!b)             ⟹ negative lookahead (?! is not supported at position 1
            (?<=a)b            ⟹ lookbehind (?<= is not supported at position 0
            (?<!a)b            ⟹ negative lookbehind (?<! is not supported at position 0
            a\\b               ⟹ word boundary \\b is not supported at position 1
            a\\B               ⟹ word boundary \\B is not supported at position 1
            (?i)a              ⟹ inline flags (?i are not supported at position 0
            x(?s:.)            ⟹ inline flags (?s are not supported at position 1
            (?(1)a|b)          ⟹ conditional group (?( is not supported at position 0
            (?#note)a          ⟹ comment group (?# is not supported at position 0
            (?>a)              ⟹ atomic group (?> is not supported at position 0
            (?Xa)              ⟹ unknown group extension (?X at position 0
            (?P>n)             ⟹ unknown group extension (?P> at position 0
            a*+                ⟹ possessive quantifier *+ is not supported at position 1
            a++                ⟹ possessive quantifier ++ is not supported at position 1
            a?+                ⟹ possessive quantifier ?+ is not supported at position 1
            a{2}+              ⟹ possessive quantifier {2}+ is not supported at position 1
            (ab                ⟹ missing ), unterminated group at position 0
            a(b(c)             ⟹ missing ), unterminated group at position 1
            ab)                ⟹ unbalanced parenthesis ')' at position 2
            *a                 ⟹ nothing to repeat for the quantifier * at position 0
            a|+                ⟹ nothing to repeat for the quantifier + at position 2
            (?)                ⟹ unknown group extension (?) at position 0
            {2}                ⟹ nothing to repeat for the quantifier {2} at position 0
            ^*a                ⟹ nothing to repeat after the anchor at position 1
            a**                ⟹ multiple repeat: a quantifier may not follow * at position 2
            a{2}{3}            ⟹ multiple repeat: a quantifier may not follow {2} at position 4
            a*??               ⟹ multiple repeat: a quantifier may not follow *? at position 3
            a{10001}           ⟹ repetition bound 10001 above 10000 in {10001} at position 1
            a{1,99999999999}   ⟹ repetition bound 99999999999 above 10000 in {1,99999999999} at position 1
            a{3,2}             ⟹ min repeat greater than max repeat in {3,2} at position 1
            [z-a]              ⟹ bad character range z-a at position 1
            [\\d-z]            ⟹ bad character range \\d-z at position 1
            [a-\\w]            ⟹ bad character range a-\\w at position 1
            [ab                ⟹ unterminated character set at position 0
            []                 ⟹ unterminated character set at position 0
            [[a]]              ⟹ unescaped [ in a set is ambiguous (Java nests a set); write \\[ at position 1
            [a&&b]             ⟹ unescaped && in a set is ambiguous (Java intersects); write \\&\\& at position 2
            [\\b]              ⟹ \\b inside a character set is not supported (write \\x08) at position 1
            [\\12]             ⟹ octal escape \\1 is not supported (write \\xHH) at position 1
            \\q                ⟹ bad escape \\q at position 0
            x😀\\k<n>           ⟹ bad escape \\k at position 2
            \\x4               ⟹ incomplete escape \\x4 (2 hex digits expected) at position 0
            \\x                ⟹ incomplete escape \\x (2 hex digits expected) at position 0
            \\u12g4            ⟹ incomplete escape \\u12 (4 hex digits expected) at position 0
            \\U0011FFFF        ⟹ bad escape \\U0011FFFF beyond U+10FFFF at position 0
            \\N{DASH}          ⟹ named character escape \\N is not supported at position 0
            a\\                ⟹ bad escape (end of pattern) at position 1
            a^b                ⟹ anchor ^ is only supported at the start of the pattern at position 1
            (^a)               ⟹ anchor ^ is only supported at the start of the pattern at position 1
            a$b                ⟹ anchor $ is only supported at the end of the pattern at position 1
            (a$)               ⟹ anchor $ is only supported at the end of the pattern at position 2
            a\\Ab              ⟹ anchor \\A is only supported at the start of the pattern at position 1
            a\\Zb              ⟹ anchor \\Z is only supported at the end of the pattern at position 1
            (a\\z)             ⟹ anchor \\z is only supported at the end of the pattern at position 2
            (?P<1a>x)          ⟹ bad group name in (?P<1a> at position 0
            (?<>x)             ⟹ bad group name in (?<> at position 0
            (?P<a-b>x)         ⟹ bad group name in (?P<a- at position 0
            """)
    void refusesWithTheConstructAndItsPosition(String regex, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegexParser.parse(regex));
        assertEquals(message, e.getMessage());
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> ByteDfa.compile(regex)).getMessage());
    }

    @ParameterizedTest(name = "{0} matches `{1}`")
    @CsvSource(delimiterString = "⟹", quoteCharacter = '`', textBlock = """
            a{                 ⟹ a{
            a{x}               ⟹ a{x}
            x{}                ⟹ x{}
            a{1                ⟹ a{1
            a{,2}              ⟹ ``
            a{,2}              ⟹ aa
            a{,}               ⟹ aaaa
            a{02}              ⟹ aa
            a{0}b              ⟹ b
            }]                 ⟹ }]
            a*?b+?c??d{1,2}?   ⟹ abbcdd
            (?P<name>a)b       ⟹ ab
            (?<name_2>a)b      ⟹ ab
            (?:)               ⟹ ``
            ()|x               ⟹ ``
            ^$                 ⟹ ``
            \\Aa\\Z            ⟹ a
            \\Aa\\z            ⟹ a
            ^a|b$              ⟹ b
            \\012\\0\\07       ⟹ `\\n\\u0000\\u0007`
            \\a\\f\\v\\r       ⟹ `\\u0007\\f\\u000B\\r`
            \\x41\\u00E9       ⟹ Aé
            \\U0001F600        ⟹ 😀
            \\uD83D\\uDE00     ⟹ 😀
            \\.\\\\\\"\\'\\/\\-\\{\\}\\[\\]\\(\\)\\|\\*\\+\\?\\^\\$\\#\\&\\~\\ \\é ⟹ `.\\\\"'/-{}[]()|*+?^$#&~ é`
            []a]+              ⟹ ]a]
            [^]a]              ⟹ b
            [-a]+              ⟹ -a
            [a-]+              ⟹ -a
            [a-c-e]+           ⟹ a-e
            [\\d-]+            ⟹ 5-
            [\\]\\-\\^]+       ⟹ ]-^
            [\\x41-\\x43]      ⟹ B
            [\\uD7FF-\\uE000]+ ⟹ `\\uD7FF\\uE000`
            \\uD800*x          ⟹ x
            x(?:\\uD800){0}    ⟹ x
            a|\\uD800          ⟹ a
            .                  ⟹ `\\r`
            .                  ⟹ `\\u2028`
            \\D                ⟹ ٣
            \\W                ⟹ é
            \\S                ⟹ `\\u00A0`
            [^\\d]             ⟹ ٣
            ((((a))))          ⟹ a
            """)
    void accepts(String regex, String text) {
        assertTrue(ByteDfa.compile(regex).matches(unescape(text).getBytes(UTF_8)), regex);
    }

    @ParameterizedTest(name = "{0} does not match `{1}`")
    @CsvSource(delimiterString = "⟹", quoteCharacter = '`', textBlock = """
            a{,2}              ⟹ aaa
            a{0}b              ⟹ ab
            [^]a]              ⟹ ]
            [a-c-e]+           ⟹ d
            .                  ⟹ `\\n`
            \\d                ⟹ ٣
            \\w                ⟹ é
            \\s                ⟹ `\\u00A0`
            [\\uD7FF-\\uE000]+ ⟹ a
            ^a|b$              ⟹ ab
            \\uD800*x          ⟹ xx
            """)
    void rejects(String regex, String text) {
        assertFalse(ByteDfa.compile(regex).matches(unescape(text).getBytes(UTF_8)), regex);
    }

    @Test
    void surrogatesNeverMatchEvenWhereASetWouldIncludeThem() {
        byte[] cesuSurrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
        String[] regexes = {".", "[^a]", "\\D", "\\W", "\\S", "[\\x00-\\U0010FFFF]", "[\\uD000-\\uE000]"};
        for (String regex : regexes) {
            ByteDfa dfa = ByteDfa.compile(regex);
            int afterLead = dfa.step(dfa.start(), 0xED);
            assertTrue(afterLead >= 0, regex + " takes U+D000..U+D7FF");
            assertEquals(-1, dfa.step(afterLead, 0xA0), regex);
            assertFalse(dfa.matches(cesuSurrogate), regex);
        }
    }

    @Test
    void nestingIsCapped() {
        assertDoesNotThrow(() -> RegexParser.parse("(".repeat(200) + "a" + ")".repeat(200)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegexParser.parse("(".repeat(201) + "a" + ")".repeat(201)));
        assertEquals("groups nested more than 200 deep at position 200", e.getMessage());
    }

    @Test
    void anAutomatonTooLargeToBuildIsRefusedBeforeItIsBuilt() {
        IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IllegalArgumentException.class,
                        () -> RegexParser.parse("((a{10000}){10000}){10000}")));
        assertEquals("the pattern is too complex: its automaton would need more than 250000 states", e.getMessage());
    }

    // A text block cell cannot hold a raw newline, and raw control characters would be unreadable there.
    private static String unescape(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\' || i + 1 == text.length()) {
                out.append(c);
                continue;
            }
            char e = text.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 'f' -> out.append('\f');
                case 'r' -> out.append('\r');
                case 'u' -> {
                    out.append((char) Integer.parseInt(text.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(e);
            }
        }
        return out.toString();
    }
}
