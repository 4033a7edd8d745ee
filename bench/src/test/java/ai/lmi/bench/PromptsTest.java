package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic prompts against tiny-llama's real tokenizer (a Llama SentencePiece BPE with byte fallback). */
class PromptsTest {

    private static BenchTokenizer tokenizer;

    @BeforeAll
    static void loadTokenizer() throws IOException {
        tokenizer = BenchTokenizer.load(Path.of(System.getProperty("lmi.testdata"), "tiny-llama"));
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    @Test
    void theTokenizersVocabularyIsTheModels() {
        assertEquals(32000, tokenizer.vocabSize());
    }

    @Test
    void textPromptsReEncodeToExactlyTheAskedTokens() {
        for (int tokens : new int[] {1, 2, 7, 16, 128, 500}) {
            for (long seed = 0; seed < 5; seed++) {
                TextPrompts prompts = new TextPrompts(tokenizer, tokens, 0, tokenizer.vocabSize(), seed);
                for (int i = 0; i < 4; i++) {
                    Prompt prompt = prompts.next();
                    assertEquals(tokens, tokenizer.encode(prompt.text()).length,
                            "seed " + seed + ", prompt " + i + ": " + prompt.text());
                    assertEquals(tokens, prompt.tokenCount());
                }
            }
        }
    }

    @Test
    void textPromptsShareTheirPrefixTokensAndDifferAfterIt() {
        TextPrompts prompts = new TextPrompts(tokenizer, 64, 48, tokenizer.vocabSize(), 3);
        int[] first = tokenizer.encode(prompts.next().text());
        for (int i = 0; i < 10; i++) {
            int[] next = tokenizer.encode(prompts.next().text());
            assertEquals(64, next.length);
            assertArrayEquals(Arrays.copyOf(first, 48), Arrays.copyOf(next, 48), "prompt " + i);
            assertNotEquals(Arrays.toString(first), Arrays.toString(next));
        }
    }

    @Test
    void theSameSeedGivesTheSamePrompts() {
        TextPrompts one = new TextPrompts(tokenizer, 32, 8, tokenizer.vocabSize(), 11);
        TextPrompts two = new TextPrompts(tokenizer, 32, 8, tokenizer.vocabSize(), 11);
        for (int i = 0; i < 5; i++) {
            assertEquals(one.next().text(), two.next().text());
        }
    }

    @Test
    void tokenIdPromptsStartWithBosAndShareTheirPrefix() {
        TokenIdPrompts prompts = new TokenIdPrompts(16, 6, 1, 32000, 0);
        int[] first = prompts.next().tokenIds();
        int[] second = prompts.next().tokenIds();
        assertEquals(16, first.length);
        assertEquals(1, first[0]);
        assertArrayEquals(Arrays.copyOf(first, 6), Arrays.copyOf(second, 6));
        assertNotEquals(Arrays.toString(Arrays.copyOfRange(first, 6, 16)),
                Arrays.toString(Arrays.copyOfRange(second, 6, 16)));
        for (int id : second) {
            assertTrue(id == 1 || id >= RandomTokens.FIRST_ID && id < 32000, "id " + id);
        }
    }

    @Test
    void tokenIdPromptsWithoutBosOrPrefixShareNothing() {
        TokenIdPrompts prompts = new TokenIdPrompts(8, 0, -1, 100, 0);
        int[] first = prompts.next().tokenIds();
        int[] second = prompts.next().tokenIds();
        assertEquals(8, first.length);
        assertNotEquals(first[0] + "," + first[1], second[0] + "," + second[1]);
    }

    @Test
    void aPromptsFileCyclesAndCarriesItsMaxTokens(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"prompt\": \"Hello there\", \"max_tokens\": 5}\n\n{\"prompt\": \"Goodbye\"}\n");
        FilePrompts prompts = FilePrompts.read(file, tokenizer);
        Workload workload = new Workload(prompts, () -> 9);
        List<BenchRequest> requests = workload.take(3);
        assertEquals("Hello there", requests.get(0).prompt().text());
        assertEquals(5, requests.get(0).maxTokens());
        assertEquals(tokenizer.encode("Hello there").length, requests.get(0).prompt().tokenCount());
        assertEquals("Goodbye", requests.get(1).prompt().text());
        assertEquals(9, requests.get(1).maxTokens());
        assertEquals("Hello there", requests.get(2).prompt().text());
    }

    @Test
    void aBadPromptsFileLineIsNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"prompt\": \"ok\"}\n{\"text\": \"no prompt\"}\n");
        UsageException e = assertThrows(UsageException.class, () -> FilePrompts.read(file, null));
        assertEquals("--prompts-file " + file + ":2 needs a string \"prompt\"", e.getMessage());
    }
}
