package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingModelFilesTest {

    @TempDir
    Path dir;

    private void touch(String... names) throws IOException {
        for (String name : names) {
            Files.writeString(dir.resolve(name), "x");
        }
    }

    @Test
    void onnxOrOneTorchScriptFileWithATokenizerIsAnEmbeddingModel() throws IOException {
        touch("tokenizer.json", "model.onnx");
        assertTrue(EmbeddingModelFiles.isEmbeddingModel(dir));
        Files.delete(dir.resolve("model.onnx"));
        touch("encoder.pt");
        assertTrue(EmbeddingModelFiles.isEmbeddingModel(dir));
    }

    @Test
    void twoTorchScriptFilesAreAmbiguous() throws IOException {
        touch("tokenizer.json", "a.pt", "b.pt");
        assertFalse(EmbeddingModelFiles.isEmbeddingModel(dir));
    }

    @Test
    void safetensorsMakeItACheckpointForTheWorker() throws IOException {
        touch("tokenizer.json", "model.onnx", "model.safetensors");
        assertFalse(EmbeddingModelFiles.isEmbeddingModel(dir));
    }

    @Test
    void aModelWithoutTokenizerOrAMissingDirectoryIsNot() throws IOException {
        touch("model.onnx");
        assertFalse(EmbeddingModelFiles.isEmbeddingModel(dir));
        assertFalse(EmbeddingModelFiles.isEmbeddingModel(dir.resolve("absent")));
    }
}
