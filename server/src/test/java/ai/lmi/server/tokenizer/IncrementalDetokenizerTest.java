package ai.lmi.server.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncrementalDetokenizerTest {

    private static final int HELLO = 22557; // "▁Hello"
    private static final int WORLD = 1526; // "▁world"
    private static final int SPACE = 28705; // "▁"
    private static final int[] LLAMA_EMOJI_BYTES = {0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3};
    private static final int STRAY_BYTE = 0xBD + 3;

    /** Text with characters spelled as byte-fallback tokens, CJK, emoji, accents, whitespace runs. */
    private static final List<String> TEXTS = List.of(
            "Hello world, this is a test.",
            "  leading spaces and  double  spaces",
            "日本語のテキストと中文测试，标点。",
            "emoji 🦙🤔🎉 and a family 👩‍👩‍👧 in a row",
            "Café, naïve, résumé — “smart quotes”",
            "Ελληνικά και русский текст",
            "한국어 텍스트 𠜎𠜱 rare ideographs",
            "def fibonacci(n):\n    if n < 2:\n        return n\n\treturn",
            "math ∑ ∫ √ ≠ ﬁ ligature");

    @TempDir
    static Path tempDir;

    private static Tokenizer tokenizer;
    private static Tokenizer byteLevel;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(TestModels.tinyLlama());
        byteLevel = Tokenizer.load(ByteLevelTokenizerJson.write(tempDir));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        byteLevel.close();
    }

    @Test
    void goldenOutputsStreamToTheirTextAfterThePrompt() throws IOException {
        for (JsonNode golden : TestModels.tinyLlamaGolden().get("cases")) {
            int[] prompt = TestModels.ints(golden.get("prompt_ids"));
            int[] output = TestModels.ints(golden.get("output_ids"));
            String streamed = stream(IncrementalDetokenizer.afterPrompt(tokenizer, prompt, true), output);
            assertEquals(golden.get("output_text").asText(), streamed, golden.get("prompt").asText());
        }
    }

    @Test
    void goldenOutputsStreamToTheirDecodeOnTheirOwn() throws IOException {
        for (JsonNode golden : TestModels.tinyLlamaGolden().get("cases")) {
            int[] output = TestModels.ints(golden.get("output_ids"));
            for (boolean skip : new boolean[] {true, false}) {
                String streamed = stream(IncrementalDetokenizer.start(tokenizer, skip), output);
                assertEquals(tokenizer.decode(output, skip), streamed);
            }
        }
    }

    @Test
    void theFirstTokenAfterAPromptKeepsItsLeadingSpace() {
        IncrementalDetokenizer afterPrompt =
                IncrementalDetokenizer.afterPrompt(tokenizer, new int[] {1, HELLO}, true);
        assertEquals(" world", afterPrompt.next(WORLD));
        IncrementalDetokenizer alone = IncrementalDetokenizer.start(tokenizer, true);
        assertEquals("world", alone.next(WORLD));
        assertEquals(" Hello", alone.next(HELLO));
    }

    @Test
    void aByteFallbackCharacterComesOutWholeWhenItsRunEnds() {
        IncrementalDetokenizer detokenizer = IncrementalDetokenizer.start(tokenizer, true);
        assertEquals("Hello", detokenizer.next(HELLO));
        for (int id : LLAMA_EMOJI_BYTES) {
            assertEquals("", detokenizer.next(id));
        }
        assertEquals("🦙 world", detokenizer.next(WORLD));
        assertEquals("", detokenizer.flush());
    }

    @Test
    void flushReleasesAnOpenRun() {
        IncrementalDetokenizer detokenizer = IncrementalDetokenizer.start(tokenizer, true);
        for (int id : LLAMA_EMOJI_BYTES) {
            assertEquals("", detokenizer.next(id));
        }
        assertEquals("🦙", detokenizer.flush());
        assertEquals("", detokenizer.flush());
    }

    @Test
    void aStrayByteSpoilsItsWholeRunAsDecodeDoes() {
        int[] ids = IntStream.concat(Arrays.stream(LLAMA_EMOJI_BYTES), IntStream.of(STRAY_BYTE, WORLD))
                .toArray();
        String streamed = stream(IncrementalDetokenizer.start(tokenizer, true), ids);
        assertEquals("\uFFFD".repeat(5) + " world", streamed);
        assertEquals(tokenizer.decode(ids, true), streamed);
    }

    @Test
    void aSkippedSpecialTokenDoesNotEndARun() {
        int[] ids = {0xE6 + 3, 0x97 + 3, 2, 0xA5 + 3, WORLD};
        assertEquals("日 world", stream(IncrementalDetokenizer.start(tokenizer, true), ids));
        assertEquals(tokenizer.decode(ids, false), stream(IncrementalDetokenizer.start(tokenizer, false), ids));
    }

    @Test
    void specialTokensAreDroppedOrShown() {
        int[] ids = {1, HELLO, SPACE, WORLD, 2};
        assertEquals("Hello  world", stream(IncrementalDetokenizer.start(tokenizer, true), ids));
        assertEquals("<s> Hello  world</s>", stream(IncrementalDetokenizer.start(tokenizer, false), ids));
    }

    @Test
    void randomSequencesStreamToTheirFullDecode() {
        Random random = new Random(1234);
        List<int[]> texts = TEXTS.stream().map(text -> tokenizer.encode(text, false)).toList();
        for (int round = 0; round < 400; round++) {
            int[] ids = randomIds(random, texts, 1 + random.nextInt(40));
            for (boolean skip : new boolean[] {true, false}) {
                String streamed = stream(IncrementalDetokenizer.start(tokenizer, skip), ids);
                assertEquals(tokenizer.decode(ids, skip), streamed,
                        () -> Arrays.toString(ids) + " skip=" + skip);
            }
        }
    }

    @Test
    void randomContinuationsOfRealPromptsStreamToTheAddedText() {
        Random random = new Random(42);
        List<int[]> texts = TEXTS.stream().map(text -> tokenizer.encode(text, false)).toList();
        int checked = 0;
        for (int round = 0; round < 300; round++) {
            int[] prompt = tokenizer.encode(TEXTS.get(random.nextInt(TEXTS.size())), true);
            int[] output = randomIds(random, texts, 1 + random.nextInt(30));
            int[] all = IntStream.concat(Arrays.stream(prompt), Arrays.stream(output)).toArray();
            String promptText = tokenizer.decode(prompt, true);
            String fullText = tokenizer.decode(all, true);
            // Undefined when the output's bytes continue a byte run that ends the prompt.
            if (!fullText.startsWith(promptText)) {
                continue;
            }
            String streamed = stream(IncrementalDetokenizer.afterPrompt(tokenizer, prompt, true), output);
            assertEquals(fullText.substring(promptText.length()), streamed,
                    () -> Arrays.toString(prompt) + " + " + Arrays.toString(output));
            checked++;
        }
        assertTrue(checked > 250, "only " + checked + " continuations were well defined");
    }

    @Test
    void byteLevelCharactersAreHeldUntilComplete() {
        IncrementalDetokenizer detokenizer = IncrementalDetokenizer.start(byteLevel, true);
        int[] ids = byteIds("a日");
        assertEquals("a", detokenizer.next(ids[0]));
        assertEquals("", detokenizer.next(ids[1]));
        assertEquals("", detokenizer.next(ids[2]));
        assertEquals("日", detokenizer.next(ids[3]));
    }

    @Test
    void randomByteLevelSequencesStreamToTheirFullDecode() {
        Random random = new Random(7);
        List<int[]> texts = TEXTS.stream().map(IncrementalDetokenizerTest::byteIds).toList();
        for (int round = 0; round < 400; round++) {
            int length = 1 + random.nextInt(40);
            int[] ids = new int[length];
            for (int i = 0; i < length; ) {
                if (random.nextInt(3) == 0) {
                    ids[i++] = random.nextInt(ByteLevelTokenizerJson.END_OF_TEXT + 1);
                } else {
                    int[] text = texts.get(random.nextInt(texts.size()));
                    for (int j = random.nextInt(text.length); j < text.length && i < length; j++) {
                        ids[i++] = text[j];
                    }
                }
            }
            for (boolean skip : new boolean[] {true, false}) {
                String streamed = stream(IncrementalDetokenizer.start(byteLevel, skip), ids);
                assertEquals(byteLevel.decode(ids, skip), streamed,
                        () -> Arrays.toString(ids) + " skip=" + skip);
            }
        }
    }

    @Test
    void longSequencesKeepOnlyTheirTail() {
        int[] text = tokenizer.encode(String.join(" ", TEXTS), false);
        int[] ids = IntStream.range(0, 5000).map(i -> text[i % text.length]).toArray();
        assertEquals(tokenizer.decode(ids, true), stream(IncrementalDetokenizer.start(tokenizer, true), ids));
    }

    /**
     * Ids drawn from the whole vocabulary, from the 256 byte tokens, from the special tokens, and
     * slices of real text's ids.
     */
    private static int[] randomIds(Random random, List<int[]> texts, int length) {
        int[] ids = new int[length];
        int i = 0;
        while (i < length) {
            switch (random.nextInt(6)) {
                case 0 -> ids[i++] = random.nextInt(tokenizer.vocabSize());
                case 1, 2 -> ids[i++] = 3 + random.nextInt(256);
                case 3 -> ids[i++] = random.nextInt(3);
                default -> {
                    int[] text = texts.get(random.nextInt(texts.size()));
                    for (int j = random.nextInt(text.length); j < text.length && i < length; j++) {
                        ids[i++] = text[j];
                    }
                }
            }
        }
        return ids;
    }

    /** The byte-level tokenizer's ids for {@code text}: its UTF-8 bytes. */
    private static int[] byteIds(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return IntStream.range(0, bytes.length).map(i -> bytes[i] & 0xFF).toArray();
    }

    /** Streams {@code ids} and checks that no chunk splits a character. */
    private static String stream(IncrementalDetokenizer detokenizer, int[] ids) {
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(detokenizer.next(id));
        }
        chunks.add(detokenizer.flush());
        for (String chunk : chunks) {
            if (!chunk.isEmpty()) {
                assertFalse(Character.isHighSurrogate(chunk.charAt(chunk.length() - 1)), chunk);
                assertFalse(Character.isLowSurrogate(chunk.charAt(0)), chunk);
            }
        }
        return String.join("", chunks);
    }
}
