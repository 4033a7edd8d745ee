package ai.lmi.server.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StopSequenceMatcherTest {

    @Test
    void releasesTextThatCannotStartAStop() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("###"));
        assertEquals("Hello", matcher.append("Hello").text());
        assertEquals(" world", matcher.append(" world").text());
        assertEquals("", matcher.flush().text());
        assertEquals("Hello world", matcher.text());
    }

    @Test
    void findsAStopSplitAcrossThreeChunks() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("</answer>"));
        assertEquals("The answer is 42", matcher.append("The answer is 42</an").text());
        StopSequenceMatcher.Emission middle = matcher.append("sw");
        assertEquals("", middle.text());
        assertFalse(middle.stopped());
        StopSequenceMatcher.Emission last = matcher.append("er> and more");
        assertEquals("", last.text());
        assertEquals(Optional.of("</answer>"), last.stopSequence());
        assertEquals("The answer is 42", matcher.text());
    }

    @Test
    void releasesAHeldPrefixThatTurnsOutNotToBeAStop() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("STOP"));
        assertEquals("a", matcher.append("aST").text());
        assertEquals("STOx", matcher.append("Ox").text());
        assertEquals("", matcher.append("ST").text());
        assertEquals("ST", matcher.flush().text());
        assertEquals("aSTOxST", matcher.text());
    }

    @Test
    void stopsAtTheVeryStart() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("\n\n"));
        StopSequenceMatcher.Emission emission = matcher.append("\n\nrest");
        assertTrue(emission.stopped());
        assertEquals("", emission.text());
        assertEquals("", matcher.text());
    }

    @Test
    void theStopCompletedFirstWinsWhateverTheChunking() {
        // "bc" is complete at the third character, before "abcd" could be.
        List<String> stops = List.of("abcd", "bc");
        List<List<String>> chunkings = List.of(List.of("xabcd"), List.of("xab", "cd"), List.of("x", "a", "b", "c", "d"));
        for (List<String> chunks : chunkings) {
            StopSequenceMatcher matcher = new StopSequenceMatcher(stops);
            chunks.forEach(matcher::append);
            assertEquals("xa", matcher.text(), chunks.toString());
        }
    }

    @Test
    void ofStopsEndingTogetherTheLongestWins() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("b", "ab"));
        StopSequenceMatcher.Emission emission = matcher.append("xab");
        assertEquals(Optional.of("ab"), emission.stopSequence());
        assertEquals("x", matcher.text());
    }

    @Test
    void overlappingCandidatesAreAllKeptInMind() {
        // "aab" is held as a possible start of "aabx" and, from its second 'a', of "abc".
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("aabx", "abc"));
        assertEquals("", matcher.append("aab").text());
        StopSequenceMatcher.Emission emission = matcher.append("c");
        assertEquals(Optional.of("abc"), emission.stopSequence());
        assertEquals("a", emission.text());
        assertEquals("a", matcher.text());
    }

    @Test
    void ignoresChunksAfterTheStop() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("."));
        matcher.append("one. two");
        StopSequenceMatcher.Emission later = matcher.append(" three");
        assertEquals("", later.text());
        assertTrue(later.stopped());
        assertEquals("", matcher.flush().text());
        assertEquals("one", matcher.text());
    }

    @Test
    void withoutStopsEverythingPassesAtOnce() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of());
        assertEquals("anything", matcher.append("anything").text());
        assertFalse(matcher.flush().stopped());
    }

    @Test
    void keepsSurrogatePairsTogether() {
        StopSequenceMatcher matcher = new StopSequenceMatcher(List.of("🦙🦙"));
        assertEquals("a", matcher.append("a🦙").text());
        assertEquals("🦙b", matcher.append("b").text());
    }

    @Test
    void rejectsAnEmptyStop() {
        assertThrows(IllegalArgumentException.class, () -> new StopSequenceMatcher(List.of("")));
    }

    @Test
    void randomChunkingsAgreeWithAPlainSearch() {
        Random random = new Random(99);
        String alphabet = "ab c";
        for (int round = 0; round < 2000; round++) {
            String text = randomText(random, alphabet, 1 + random.nextInt(30));
            List<String> stops = new ArrayList<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                stops.add(randomText(random, alphabet, 1 + random.nextInt(4)));
            }
            StopSequenceMatcher matcher = new StopSequenceMatcher(stops);
            StringBuilder released = new StringBuilder();
            for (int at = 0; at < text.length(); ) {
                int end = Math.min(text.length(), at + 1 + random.nextInt(5));
                released.append(matcher.append(text.substring(at, end)).text());
                at = end;
            }
            released.append(matcher.flush().text());
            String expected = textBeforeFirstCompletedStop(text, stops);
            assertEquals(expected, released.toString(), text + " " + stops);
            assertEquals(expected, matcher.text());
        }
    }

    /** The reference: feed one character at a time and cut at the first completed stop. */
    private static String textBeforeFirstCompletedStop(String text, List<String> stops) {
        for (int end = 1; end <= text.length(); end++) {
            String seen = text.substring(0, end);
            int cut = -1;
            for (String stop : stops) {
                if (seen.endsWith(stop) && (cut < 0 || end - stop.length() < cut)) {
                    cut = end - stop.length();
                }
            }
            if (cut >= 0) {
                return text.substring(0, cut);
            }
        }
        return text;
    }

    private static String randomText(Random random, String alphabet, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
