package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What load() says about directories it cannot serve, and what the settings refuse. */
class EmbeddingEngineLoadTest {

    @TempDir
    Path dir;

    private IOException loadFails(OptionalInt maxModelLen) {
        EmbeddingSettings settings =
                new EmbeddingSettings(dir, Pooling.MEAN, true, maxModelLen, false, 8, Duration.ofMillis(5));
        return assertThrows(IOException.class, () -> EmbeddingEngine.load(settings, BatchObserver.NONE));
    }

    @Test
    void namesWhatTheDirectoryLacks() throws IOException {
        assertEquals(dir + " has neither model.onnx nor exactly one TorchScript *.pt file",
                loadFails(OptionalInt.empty()).getMessage());
        Files.writeString(dir.resolve("model.onnx"), "not a graph");
        assertEquals(dir + " has no tokenizer.json", loadFails(OptionalInt.empty()).getMessage());
    }

    @Test
    void aBrokenModelFileIsAnIoError() throws IOException {
        MiniLmExample.layOut(dir);
        Files.writeString(dir.resolve("model.onnx"), "not a graph");
        assertTrue(loadFails(OptionalInt.of(64)).getMessage().startsWith("cannot load " + dir.resolve("model.onnx")));
    }

    @Test
    void maxModelLenMayNotExceedThePositionEmbeddings() throws IOException {
        MiniLmExample.layOut(dir);
        Files.writeString(dir.resolve("config.json"), "{\"max_position_embeddings\": 512}");
        EmbeddingSettings settings = new EmbeddingSettings(dir, Pooling.MEAN, true, OptionalInt.of(1024), false, 8,
                Duration.ofMillis(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingEngine.load(settings, BatchObserver.NONE));
        assertEquals("max_model_len 1024 is more than the model's max_position_embeddings 512", e.getMessage());
    }

    @Test
    void settingsRefuseNonsense() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EmbeddingSettings(dir, Pooling.MEAN, true, OptionalInt.empty(), false, 0, Duration.ZERO));
        assertEquals("batch_size must be at least 1, got 0", e.getMessage());
    }
}
