package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code option.task} unset: the model directory's files decide, and the effective config says so. */
class TaskDetectionTest {

    @TempDir
    Path modelDir;

    @Test
    void onnxEncoderWithTokenizerIsAnEmbeddingModel() throws IOException {
        touch("model.onnx", "tokenizer.json");

        ServingConfig config = load();

        assertEquals(Task.TEXT_EMBEDDING, config.task());
        assertEquals("derived from option.model_id", PrecedenceTest.source(config, "option.task"));
    }

    @Test
    void torchScriptEncoderWithTokenizerIsAnEmbeddingModel() throws IOException {
        touch("encoder.pt", "tokenizer.json");

        assertEquals(Task.TEXT_EMBEDDING, load().task());
    }

    @Test
    void safetensorsCheckpointIsAGenerationModel() throws IOException {
        touch("model.safetensors", "config.json", "tokenizer.json");

        ServingConfig config = load();

        assertEquals(Task.TEXT_GENERATION, config.task());
        assertEquals("derived from option.model_id", PrecedenceTest.source(config, "option.task"));
    }

    @Test
    void encoderWithoutTokenizerIsNotAnEmbeddingModel() throws IOException {
        touch("model.onnx");

        assertEquals(Task.TEXT_GENERATION, load().task());
    }

    @Test
    void configuredTaskWinsOverTheFiles() throws IOException {
        touch("model.onnx", "tokenizer.json");
        Files.writeString(modelDir.resolve("serving.properties"), "option.task=text-generation\n");

        ServingConfig config = load();

        assertEquals(Task.TEXT_GENERATION, config.task());
        assertEquals(modelDir.resolve("serving.properties").toString(), PrecedenceTest.source(config, "option.task"));
    }

    @Test
    void taskFromTheEnvironment() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--model", modelDir.toString()), Map.of("OPTION_TASK", "TEXT-EMBEDDING"));

        assertEquals(Task.TEXT_EMBEDDING, config.task());
    }

    private ServingConfig load() {
        return ServingConfigLoader.load(List.of("--model", modelDir.toString()), Map.of());
    }

    private void touch(String... names) throws IOException {
        for (String name : names) {
            Files.writeString(modelDir.resolve(name), "");
        }
    }
}
