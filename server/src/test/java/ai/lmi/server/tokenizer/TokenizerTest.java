package ai.lmi.server.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(TestModels.tinyLlama());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void encodesWithBosAsTheModelDoes() {
        assertArrayEquals(new int[] {1, 22557, 1526}, tokenizer.encode("Hello world", true));
        assertArrayEquals(new int[] {22557, 1526}, tokenizer.encode("Hello world", false));
    }

    @Test
    void encodesTheGoldenPromptsToTheirIds() throws IOException {
        for (JsonNode golden : TestModels.tinyLlamaGolden().get("cases")) {
            String prompt = golden.get("prompt").asText();
            int[] expected = TestModels.ints(golden.get("prompt_ids"));
            assertArrayEquals(expected, tokenizer.encode(prompt, true), prompt);
        }
    }

    @Test
    void decodesWithAndWithoutSpecialTokens() {
        int[] ids = {1, 22557, 1526, 2};
        assertEquals("Hello world", tokenizer.decode(ids, true));
        assertEquals("<s> Hello world</s>", tokenizer.decode(ids, false));
        assertEquals("", tokenizer.decode(new int[0], true));
    }

    @Test
    void roundTripsTextWithByteFallbackCharacters() {
        String text = "Café 日本語 🦙 naïve — “quotes”\n\ttabs";
        int[] ids = tokenizer.encode(text, false);
        assertEquals(text, tokenizer.decode(ids, true));
        // The llama emoji is not in the vocabulary: it is spelled as its four UTF-8 bytes.
        int[] llama = tokenizer.encode("🦙", false);
        assertTrue(tokenizer.isByteFallbackToken(llama[llama.length - 1]));
    }

    @Test
    void neverTruncatesLongInputs() {
        // DJL truncates at 512 tokens unless told not to.
        int[] ids = tokenizer.encode("word ".repeat(3000).trim(), true);
        assertEquals(3001, ids.length);
    }

    @Test
    void reportsVocabularyAndSpecialIds() {
        assertEquals(32000, tokenizer.vocabSize());
        assertEquals(OptionalInt.of(1), tokenizer.bosTokenId());
        assertEquals(Set.of(2), tokenizer.eosTokenIds());
        assertTrue(tokenizer.isSpecialToken(0));
        assertTrue(tokenizer.isSpecialToken(2));
        assertFalse(tokenizer.isSpecialToken(22557));
        assertTrue(tokenizer.isByteFallbackToken(3 + 0xE6));
        assertFalse(tokenizer.isByteFallbackToken(22557));
    }

    @Test
    void tokenTextKeepsTheLeadingSpace() {
        assertEquals(" Hello", tokenizer.tokenText(22557));
        assertEquals("</s>", tokenizer.tokenText(2));
        assertEquals("<0xE6>", tokenizer.tokenText(3 + 0xE6));
        assertEquals(" ", tokenizer.tokenText(28705));
        int[] unspaced = tokenizer.encode("Hello", false);
        assertEquals("Hello", tokenizer.tokenText(unspaced[unspaced.length - 1]).stripLeading());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenText(32000));
    }

    @Test
    void servesManyThreadsAtOnce() throws Exception {
        String text = "Café 日本語 🦙 and more words to encode";
        int[] expected = tokenizer.encode(text, true);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int task = 0; task < 64; task++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        int[] ids = tokenizer.encode(text, true);
                        if (!Arrays.equals(expected, ids) || !text.equals(tokenizer.decode(ids, true))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void loadingTurnsDjlOfflineModeOn() {
        if (System.getenv("DJL_OFFLINE") == null) {
            assertEquals("true", System.getProperty("ai.djl.offline"));
        }
    }

    @Test
    void addBosAndEosFollowTokenizerConfig(@TempDir Path dir) throws IOException {
        String config = """
                {"add_bos_token": false, "add_eos_token": true, "bos_token": "<s>", "eos_token": "</s>"}
                """;
        try (Tokenizer custom = Tokenizer.load(TestModels.withTokenizerConfig(dir, config))) {
            assertArrayEquals(new int[] {22557, 1526, 2}, custom.encode("Hello world", true));
            assertArrayEquals(new int[] {22557, 1526}, custom.encode("Hello world", false));
        }
    }

    @Test
    void withoutAddBosKeysThePostProcessorDecides(@TempDir Path dir) throws IOException {
        try (Tokenizer custom = Tokenizer.load(TestModels.withTokenizerConfig(dir, "{}"))) {
            assertArrayEquals(new int[] {1, 22557, 1526}, custom.encode("Hello world", true));
            // No config.json or generation_config.json there, and no eos_token: no EOS is known.
            assertEquals(Set.of(), custom.eosTokenIds());
            assertEquals(OptionalInt.empty(), custom.bosTokenId());
        }
    }

    @Test
    void eosIdsJoinGenerationConfigAndConfig(@TempDir Path dir) throws IOException {
        Path model = TestModels.withTokenizerConfig(dir, "{\"eos_token\": \"</s>\"}");
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [5, 7]}");
        Files.writeString(model.resolve("config.json"), "{\"eos_token_id\": 7, \"bos_token_id\": 1}");
        try (Tokenizer custom = Tokenizer.load(model)) {
            assertEquals(Set.of(5, 7, 2), custom.eosTokenIds());
            assertEquals(OptionalInt.of(1), custom.bosTokenId());
        }
    }

    @Test
    void aDirectoryWithoutTokenizerJsonIsAnError(@TempDir Path dir) {
        IOException error = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(error.getMessage().contains("no tokenizer.json"), error.getMessage());
    }
}
