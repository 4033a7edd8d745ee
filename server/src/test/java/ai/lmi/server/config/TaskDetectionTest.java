package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code option.task} unset: the model directory's files decide, and the effective config says so; an embedding
 * model, run in the daemon's process, takes no tensor parallelism.
 */
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

    @Test
    void tensorParallelismOfAnEmbeddingModelStopsTheStart() throws IOException {
        touch("model.onnx", "tokenizer.json");

        ConfigException e = assertThrows(ConfigException.class, () -> ServingConfigLoader.load(
                List.of("--model", modelDir.toString()), Map.of("TENSOR_PARALLEL_DEGREE", "4")));

        assertEquals(List.of("option.tensor_parallel_degree=4 (from environment TENSOR_PARALLEL_DEGREE): tensor "
                + "parallelism applies to text generation only, and this model is served as text-embedding "
                + "(option.task, derived from option.model_id); set option.tensor_parallel_degree=1"), e.errors());
    }

    @Test
    void sageMakersGpuCountLeavesAnEmbeddingModelOnOneDevice() throws IOException {
        touch("model.onnx", "tokenizer.json");

        assertEquals(1, ServingConfigLoader.load(List.of("--model", modelDir.toString()),
                Map.of("SM_NUM_GPUS", "4")).tensorParallelDegree());
    }

    @Test
    void aGenerationModelTakesTensorParallelism() throws IOException {
        touch("model.safetensors", "config.json", "tokenizer.json");

        assertEquals(2, ServingConfigLoader.load(List.of("--model", modelDir.toString(),
                "--option.tensor_parallel_degree", "2"), Map.of()).tensorParallelDegree());
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
