package ai.lmi.server.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The test checkpoints of ../shared/testdata, and model directories made from them. */
final class TestModels {

    private TestModels() {}

    /** tiny-llama: Mistral-7B v0.1's tokenizer (BPE with byte fallback), BOS 1, EOS 2, no chat template. */
    static Path tinyLlama() {
        String testdata = System.getProperty("lmi.testdata");
        if (testdata == null) {
            throw new IllegalStateException("system property lmi.testdata is not set (Maven's surefire sets it)");
        }
        return Paths.get(testdata, "tiny-llama");
    }

    /** tiny-llama's golden.json: 8 prompts with their token ids, greedy output ids and output text. */
    static JsonNode tinyLlamaGolden() throws IOException {
        return new ObjectMapper().readTree(tinyLlama().resolve("golden.json").toFile());
    }

    /** A model directory in {@code dir} with tiny-llama's tokenizer.json and this tokenizer_config.json. */
    static Path withTokenizerConfig(Path dir, String tokenizerConfigJson) throws IOException {
        Path model = Files.createDirectories(dir.resolve("test-model"));
        Files.copy(tinyLlama().resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        Files.writeString(model.resolve("tokenizer_config.json"), tokenizerConfigJson);
        return model;
    }

    static int[] ints(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }
}
