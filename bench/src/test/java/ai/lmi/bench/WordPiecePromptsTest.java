package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.engines.embedding.MiniLmExample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sentences for all-MiniLM-L6-v2's WordPiece tokenizer, where random ids would decode to "##" pieces and
 * "[unusedN]" placeholders: whole words only, still of exactly the asked length.
 */
class WordPiecePromptsTest {

    private static final String WORDS = "[a-z]+( [a-z]+)*";

    @TempDir
    static Path work;
    private static BenchTokenizer tokenizer;

    @BeforeAll
    static void loadTokenizer() throws IOException {
        tokenizer = BenchTokenizer.load(MiniLmExample.layOut(work.resolve("all-MiniLM-L6-v2")));
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    @Test
    void theWholeWordsAreTheVocabularysPlainWords() {
        assertEquals(30522, tokenizer.vocabSize());
        int[] words = tokenizer.wholeWordIds();
        assertTrue(words.length > 15_000, "whole words: " + words.length);
        assertTrue(Arrays.binarySearch(words, tokenizer.encode("hello")[0]) >= 0);
        for (int id : words) {
            String word = tokenizer.decode(new int[] {id});
            assertTrue(word.matches("[a-z]+"), id + " decodes to '" + word + "'");
        }
    }

    @Test
    void sentencesAreWholeWordsOfExactlyTheAskedTokens() {
        for (int tokens : new int[] {1, 8, 32, 254}) {
            for (long seed = 0; seed < 3; seed++) {
                TextPrompts prompts = new TextPrompts(tokenizer, tokens, 0, tokenizer.vocabSize(), seed);
                for (int i = 0; i < 4; i++) {
                    String text = prompts.next().text();
                    assertEquals(tokens, tokenizer.encode(text).length, "seed " + seed + ": " + text);
                    assertTrue(text.matches(WORDS), text);
                }
            }
        }
    }

    @Test
    void sentencesShareTheirPrefixWords() {
        TextPrompts prompts = new TextPrompts(tokenizer, 32, 8, tokenizer.vocabSize(), 5);
        int[] first = tokenizer.encode(prompts.next().text());
        int[] second = tokenizer.encode(prompts.next().text());
        assertEquals(32, second.length);
        assertArrayEquals(Arrays.copyOf(first, 8), Arrays.copyOf(second, 8));
    }
}
