package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.worker.PythonFinder;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quantized weights served by the real worker: {@code option.quantize} quantizes a float checkpoint at load, a
 * pre-quantized checkpoint (int8 and fp8 written by python-worker/tests/make_quantized_models.py, GPTQ and AWQ
 * by make_gptq_awq_models.py) is recognised by its {@code quantization_config}, quantized at load and
 * pre-quantized answer alike, and the management API reports the weight and KV bytes; a float16 KV cache
 * ({@code option.kv_cache_dtype}) holds twice the tokens.
 */
class QuantizedServingTest {
    private static final String PROMPT = "The history of the city begins with a small settlement by the river";
    /// tiny-llama: 4,194,624 float32 parameters, of which 98,304 in the projections of its 2 layers
    private static final long FLOAT_BYTES = 4L * 4_194_624;
    private static final long PROJECTION_PARAMS = 98_304;
    /// output rows of the projections: 2 layers × (qkv 128 + o 64 + gate/up 384 + down 64)
    private static final long PROJECTION_ROWS = 1_280;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"int8", "fp8"})
    void quantizedAtLoadAndPreQuantizedAnswerAlikeAndReportTheirBytes(String method) throws Exception {
        Path checkpoint = dir.resolve(method);
        run("tests/make_quantized_models.py", "--model", TestServer.tinyLlama().toString(), "--out",
                checkpoint.toString(), "--method", method);

        JsonNode preQuantized;
        try (TestServer server = TestServer.start(checkpoint, "--option.kv_cache_bytes", "16m")) {
            JsonNode memory = memory(server, method);
            assertEquals(method, memory.path("quantization").asText(), "recognised from its quantization_config");
            assertEquals(expectedBytes(method), memory.path("weights_bytes").asLong());
            assertEquals(16 << 20, memory.path("kv_cache_bytes").asLong());
            preQuantized = completion(server);
        }
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--option.quantize", method)) {
            assertEquals(method, memory(server, "tiny-llama").path("quantization").asText());
            JsonNode atLoad = completion(server);
            assertEquals(text(preQuantized), text(atLoad), "the engine's quantizer and the script's agree");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gptq", "awq"})
    void aFourBitCheckpointIsServedAsItsQuantizationConfigSays(String method) throws Exception {
        Path checkpoint = dir.resolve(method);
        run("tests/make_gptq_awq_models.py", "--model", TestServer.tinyLlama().toString(), "--out",
                checkpoint.toString(), "--method", method, "--group-size", "32"); // tiny-llama's rows are 64 wide
        try (TestServer server = TestServer.start(checkpoint, "--option.kv_cache_bytes", "16m")) {
            JsonNode memory = memory(server, method);
            assertEquals(method, memory.path("quantization").asText());
            // Half a byte per projection weight, plus each group's scales and zero points: under a byte each.
            long saved = FLOAT_BYTES - memory.path("weights_bytes").asLong();
            assertTrue(saved > 3 * PROJECTION_PARAMS, "saved " + saved + " bytes");
            assertEquals(16, completion(server).at("/usage/completion_tokens").asInt());
        }
    }

    @Test
    void aFloatModelReportsNoQuantization() {
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m")) {
            JsonNode memory = memory(server, "tiny-llama");
            assertEquals("none", memory.path("quantization").asText());
            assertEquals(FLOAT_BYTES, memory.path("weights_bytes").asLong());
        }
    }

    @Test
    void aFloat16KvCacheHoldsTwiceTheTokensInTheSameBytesAndAnswersAlike() {
        JsonNode floatCache;
        long floatTokens;
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m")) {
            floatTokens = memory(server, "tiny-llama").path("kv_cache_tokens").asLong();
            floatCache = completion(server);
        }
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--option.kv_cache_dtype", "fp16")) {
            JsonNode memory = memory(server, "tiny-llama");
            assertEquals(16 << 20, memory.path("kv_cache_bytes").asLong());
            assertEquals(2 * floatTokens, memory.path("kv_cache_tokens").asLong());
            assertEquals(text(floatCache), text(completion(server)), "greedy text unchanged by float16 K and V");
        }
    }

    /** Runs one of python-worker's scripts to its end. */
    private static void run(String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PythonFinder.find(null, System.getenv()),
                TestServer.pythonWorker().resolve(script).toString()));
        command.addAll(List.of(args));
        Process make = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), script + " did not finish");
        assertEquals(0, make.exitValue(), log);
    }

    /**
     * A byte per projection weight, and float32 scales: int8 one per output row, fp8 one per checkpoint tensor
     * (q, k, v, o, gate, up, down of each layer).
     */
    private static long expectedBytes(String method) {
        long scales = method.equals("int8") ? 4 * PROJECTION_ROWS : 4 * 2 * 7;
        return FLOAT_BYTES - 4 * PROJECTION_PARAMS + PROJECTION_PARAMS + scales;
    }

    private static JsonNode memory(TestServer server, String model) {
        return TestServer.json(server.getManagement("/models/" + model).body()).path("memory");
    }

    private static JsonNode completion(TestServer server) {
        return server.postOk("/v1/completions", "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 16, "
                + "\"temperature\": 0, \"ignore_eos\": true}");
    }

    private static String text(JsonNode completion) {
        return completion.at("/choices/0/text").asText();
    }
}
