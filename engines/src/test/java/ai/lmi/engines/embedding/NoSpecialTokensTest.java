package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-MiniLM-L6-v2 with a tokenizer that adds no special tokens, as GPT-2- and Qwen2-style tokenizers of
 * last-token-pooled embedding models do: every pooling loads, and a text that tokenizes to nothing is refused by
 * index instead of pooling zero tokens (NaN for mean, an index error that fails the whole batch for cls and last).
 */
class NoSpecialTokensTest {

    @TempDir
    Path dir;

    @Test
    void everyPoolingLoadsAndATextWithNoTokensIsRefusedByIndex() throws Exception {
        layOutWithoutSpecialTokens();
        for (Pooling pooling : Pooling.values()) {
            try (EmbeddingEngine engine = EmbeddingEngine.load(new EmbeddingSettings(dir, pooling, true,
                    OptionalInt.of(64), false, 8, Duration.ZERO), BatchObserver.NONE)) {
                assertEquals(384, engine.dimension(), pooling.configName());

                NoTokensException e = assertThrows(NoTokensException.class,
                        () -> engine.embed(List.of("hello there", " \t ")), pooling.configName());
                assertEquals(1, e.index());
                assertEquals("input[1] has no tokens: the tokenizer keeps none of its characters and adds no special "
                        + "tokens", e.getMessage());

                Embedding embedding = engine.embed(List.of("hello there")).get().get(0);
                assertEquals(2, embedding.promptTokens(), "hello there, nothing added");
                assertEquals(1.0, Vectors.norm(embedding.vector()), 1e-5);
                assertArrayEquals(embedding.vector(), engine.embed(List.of("hi", "hello there")).get().get(1)
                        .vector(), 1e-5f, pooling.configName() + ": the same alone and in a batch");
            }
        }
    }

    private void layOutWithoutSpecialTokens() throws IOException {
        MiniLmExample.layOut(dir);
        Path tokenizerJson = dir.resolve(EmbeddingModelFiles.TOKENIZER_FILE);
        JsonObject tokenizer = JsonParser.parseString(Files.readString(tokenizerJson)).getAsJsonObject();
        tokenizer.add("post_processor", JsonNull.INSTANCE);
        Files.writeString(tokenizerJson, tokenizer.toString());
    }
}
