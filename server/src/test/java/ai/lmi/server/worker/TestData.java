package ai.lmi.server.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The test data the build points at: tiny-llama and its golden outputs, and the python-worker directory. */
final class TestData {

    static final long KV_CACHE_BYTES = 8 << 20;

    private TestData() {
    }

    static Path tinyLlama() {
        return Path.of(System.getProperty("lmi.testdata", "../../shared/testdata"), "tiny-llama");
    }

    static Path pythonWorker() {
        return Path.of(System.getProperty("lmi.pythonWorker", "../python-worker"));
    }

    /** Golden case 0 of tiny-llama: prompt_ids, output_ids and the top-5 logprobs of each step. */
    static JsonNode goldenCase() {
        try {
            return new ObjectMapper().readTree(tinyLlama().resolve("golden.json").toFile()).get("cases").get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    /** tiny-llama with an 8 MiB KV cache: 1024 blocks of 16 tokens. */
    static EngineOptions tinyLlamaOptions() {
        return EngineOptions.forModel(tinyLlama().toAbsolutePath().toString()).withKvCacheBytes(KV_CACHE_BYTES);
    }

    static WorkerSettings settings() {
        return WorkerSettings.defaults(pythonWorker());
    }
}
