package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.worker.PythonFinder;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA adapters served by the real worker: PEFT adapters made from tiny-llama by the committed script
 * (python-worker/tests/make_test_adapters.py), loaded at start from {@code option.adapters} and at run time
 * through the management API. An adapter's output is the output of a server on the checkpoint with that adapter
 * merged into its weights; four adapters and the base model batched together answer as each alone; an adapter
 * unloaded while a request runs with it finishes that request first.
 */
class LoraAdaptersTest {
    private static final String MODEL = "tiny-llama";
    /// ranks 4, 8 (rsLoRA), 16 and 8, over q/v, attention, all seven projections and the MLP
    private static final List<String> ADAPTERS = List.of("qv-r4", "attn-r8-rslora", "all-r16", "mlp-r8");
    /// longer than two 16-token KV blocks: the prefix cache holds the base model's blocks of it when adapters ask
    private static final String PROMPT = "The history of the city begins with a small settlement by the river, where "
            + "fishermen and traders met every spring to exchange goods and news";
    private static final int TOKENS = 16;
    /// a generation long enough to still run while the test unloads its adapter or kills its worker
    private static final int LONG = 400;
    /// float32 over different summation orders: the merged weights round once, the adapter path adds its delta
    private static final double LOGPROB_TOLERANCE = 1e-3;

    @TempDir
    static Path dir;
    private static Path adapters;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        adapters = dir.resolve("adapters");
        Process make = new ProcessBuilder(PythonFinder.find(null, System.getenv()), TestServer.pythonWorker().resolve(
                "tests/make_test_adapters.py").toString(), "--model", TestServer.tinyLlama().toString(), "--out",
                adapters.toString(), "--merged").redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), "make_test_adapters.py did not finish");
        assertEquals(0, make.exitValue(), log);
        server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m", "--option.enable_lora",
                "true", "--option.adapters", adapters.toString());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void eachAdapterAnswersAsTheModelWithItMergedIntoItsWeights() throws IOException {
        for (String adapter : ADAPTERS) {
            JsonNode withAdapter = completion(server, adapter, PROMPT);
            Path merged = adapters.resolve(adapter + "-merged");
            for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
                Files.copy(TestServer.tinyLlama().resolve(file), merged.resolve(file));
            }
            JsonNode reference;
            try (TestServer mergedServer = TestServer.start(merged, "--option.kv_cache_bytes", "16m")) {
                reference = completion(mergedServer, MODEL, PROMPT);
            }
            assertEquals(text(reference), text(withAdapter), adapter);
            JsonNode got = withAdapter.at("/choices/0/logprobs/token_logprobs");
            JsonNode want = reference.at("/choices/0/logprobs/token_logprobs");
            for (int i = 0; i < TOKENS; i++) {
                assertEquals(want.get(i).asDouble(), got.get(i).asDouble(), LOGPROB_TOLERANCE, adapter + " token " + i);
            }
            assertEquals(adapter, withAdapter.path("model").asText(), "the response names the adapter that ran");
        }
    }

    @Test
    void fourAdaptersAndTheBaseModelInOneBatchAnswerAsEachAlone() {
        List<String> models = new ArrayList<>(List.of(MODEL));
        models.addAll(ADAPTERS);
        Map<String, String> alone = new LinkedHashMap<>();
        for (String model : models) {
            alone.put(model, text(completion(server, model, PROMPT)));
        }
        assertEquals(models.size(), alone.values().stream().distinct().count(), "every adapter changes the output");
        // Three rounds of all five at once, so that steps mix them all.
        List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (String model : models) {
                together.add(server.postAsync("/v1/completions", completionBody(model, PROMPT)));
            }
        }
        for (int i = 0; i < together.size(); i++) {
            HttpResponse<String> response = together.get(i).join();
            assertEquals(200, response.statusCode(), response.body());
            String model = models.get(i % models.size());
            assertEquals(alone.get(model), text(TestServer.json(response.body())), model + " batched with the others");
        }
    }

    @Test
    void requestsNameAnAdapterInEachSchemaAndAnUnknownOneIs404() {
        String expected = text(completion(server, "qv-r4", PROMPT));
        String lmi = "{\"inputs\": " + TestServer.JSON.valueToTree(PROMPT) + ", \"parameters\": {\"max_new_tokens\": "
                + TOKENS + "}";
        assertEquals(expected, server.postOk("/invocations", lmi + ", \"adapters\": \"qv-r4\"}")
                .path("generated_text").asText());
        assertEquals(expected, server.postOk("/invocations", lmi.replace("{\"max_new_tokens\"",
                "{\"adapter_id\": \"qv-r4\", \"max_new_tokens\"") + "}").path("generated_text").asText());
        HttpResponse<String> viaHeader = server.send(server.request(server.uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("X-Amzn-SageMaker-Adapter-Identifier", "qv-r4")
                .POST(HttpRequest.BodyPublishers.ofString(lmi + "}")).build());
        assertEquals(200, viaHeader.statusCode(), viaHeader.body());
        assertEquals(expected, TestServer.json(viaHeader.body()).path("generated_text").asText());

        HttpResponse<String> unknown = server.post("/invocations", lmi + ", \"adapters\": \"nope\"}");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("adapter 'nope' is not loaded; loaded: all-r16, attn-r8-rslora, mlp-r8, "
                + "qv-r4"), unknown.body());
        HttpResponse<String> unknownModel = server.post("/v1/completions", completionBody("nope", PROMPT));
        assertEquals(404, unknownModel.statusCode());
        assertTrue(unknownModel.body().contains("model 'nope' is not served"), unknownModel.body());

        JsonNode listed = TestServer.json(server.get("/v1/models").body()).path("data");
        List<String> ids = new ArrayList<>();
        listed.forEach(entry -> ids.add(entry.path("id").asText()));
        assertEquals(List.of(MODEL, "all-r16", "attn-r8-rslora", "mlp-r8", "qv-r4"), ids);
        assertEquals(MODEL, listed.get(1).path("parent").asText());
    }

    @Test
    void anAdapterLoadedAtRunTimeServesAndOneUnloadedMidRequestFinishesItFirst() throws Exception {
        String source = adapters.resolve("all-r16").toString();
        String expected = text(completion(server, "all-r16", PROMPT, LONG));
        HttpResponse<String> loaded = server.send(server.request(server.managementUri(
                "/models/" + MODEL + "/adapters?name=runtime&src=" + source)).POST(HttpRequest.BodyPublishers
                .noBody()).build());
        assertEquals(200, loaded.statusCode(), loaded.body());

        HttpResponse<InputStream> stream = server.sendStreaming(server.postRequest("/v1/completions",
                completionBody("runtime", PROMPT, LONG, "\"stream\": true")));
        assertEquals(200, stream.statusCode());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            StringBuilder text = new StringBuilder(firstChunkText(lines));
            HttpResponse<String> deleted = server.send(server.request(server.managementUri(
                    "/models/" + MODEL + "/adapters/runtime")).DELETE().build());
            assertEquals(200, deleted.statusCode(), deleted.body());
            assertEquals(404, server.post("/v1/completions", completionBody("runtime", PROMPT)).statusCode(),
                    "new requests cannot name an adapter being unloaded");
            String finish = readRest(lines, text);
            assertEquals("length", finish, "the request running with it finished first");
            assertEquals(expected, text.toString(), "with the adapter's weights to its last token");
        }
        assertEquals(404, server.getManagement("/models/" + MODEL + "/adapters/runtime").statusCode());

        HttpResponse<String> viaVllm = server.send(server.request(server.managementUri("/v1/load_lora_adapter"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"lora_name\": \"again\", \"lora_path\": " + TestServer.JSON.valueToTree(source) + "}"))
                .build());
        assertEquals(200, viaVllm.statusCode(), viaVllm.body());
        assertEquals(expected, text(completion(server, "again", PROMPT, LONG)),
                "the same weights loaded again under another name answer the same");
        HttpResponse<String> unloaded = server.send(server.request(server.managementUri("/v1/unload_lora_adapter"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"lora_name\": \"again\"}")).build());
        assertEquals(200, unloaded.statusCode(), unloaded.body());
        assertNotEquals(expected, text(completion(server, MODEL, PROMPT, LONG)));
    }

    @Test
    void anUpdatedAdapterAnswersWithItsNewWeights() {
        String qv = text(completion(server, "qv-r4", PROMPT));
        String mlp = text(completion(server, "mlp-r8", PROMPT));
        HttpResponse<String> loaded = server.send(server.request(server.managementUri("/models/" + MODEL
                + "/adapters")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                "{\"name\": \"swap\", \"src\": " + TestServer.JSON.valueToTree(adapters.resolve("qv-r4").toString())
                        + "}")).build());
        assertEquals(200, loaded.statusCode(), loaded.body());
        assertEquals(qv, text(completion(server, "swap", PROMPT)));
        HttpResponse<String> updated = server.send(server.request(server.managementUri("/models/" + MODEL
                + "/adapters/swap?src=" + adapters.resolve("mlp-r8"))).PUT(HttpRequest.BodyPublishers.noBody())
                .build());
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals(mlp, text(completion(server, "swap", PROMPT)),
                "the same prompt, cached under the old weights, is computed again with the new ones");
        assertEquals(200, server.send(server.request(server.managementUri("/models/" + MODEL + "/adapters/swap"))
                .DELETE().build()).statusCode());
    }

    @Test
    void theAdaptersOfAKilledWorkerAreLoadedIntoTheNextAndItsRequestsResume() throws Exception {
        String expected = text(completion(server, "attn-r8-rslora", PROMPT, LONG));
        String other = text(completion(server, "mlp-r8", PROMPT));
        double restarts = server.metric("lmi_worker_restarts_total");
        HttpResponse<InputStream> stream = server.sendStreaming(server.postRequest("/v1/completions",
                completionBody("attn-r8-rslora", PROMPT, LONG, "\"stream\": true")));
        assertEquals(200, stream.statusCode());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            StringBuilder text = new StringBuilder(firstChunkText(lines));
            ProcessHandle worker = WorkerProcesses.only();
            assertTrue(worker.destroyForcibly(), "SIGKILL to the worker " + worker.pid());
            assertEquals("length", readRest(lines, text));
            assertEquals(expected, text.toString(), "resumed on the new worker with the same adapter");
        }
        assertEquals(restarts + 1, server.metric("lmi_worker_restarts_total"));
        assertEquals(other, text(completion(server, "mlp-r8", PROMPT)), "every adapter is in the new worker");
    }

    private static JsonNode completion(TestServer target, String model, String prompt) {
        return completion(target, model, prompt, TOKENS);
    }

    private static JsonNode completion(TestServer target, String model, String prompt, int tokens) {
        return target.postOk("/v1/completions", completionBody(model, prompt, tokens, "\"logprobs\": 1"));
    }

    private static String completionBody(String model, String prompt) {
        return completionBody(model, prompt, TOKENS, "\"logprobs\": 1");
    }

    private static String completionBody(String model, String prompt, int tokens, String extra) {
        return "{\"model\": \"" + model + "\", \"prompt\": " + TestServer.JSON.valueToTree(prompt)
                + ", \"max_tokens\": " + tokens + ", \"temperature\": 0, \"ignore_eos\": true, " + extra + "}";
    }

    private static String text(JsonNode completion) {
        return completion.at("/choices/0/text").asText();
    }

    /** Reads server-sent events up to the first with text, and returns that text. */
    private static String firstChunkText(BufferedReader lines) throws IOException {
        StringBuilder text = new StringBuilder();
        while (text.isEmpty()) {
            String finish = readEvent(lines, text);
            if (finish != null) {
                throw new AssertionError("the stream ended (" + finish + ") before the adapter was unloaded");
            }
        }
        return text.toString();
    }

    /** Reads the rest of the stream into {@code text}; returns its finish reason. */
    private static String readRest(BufferedReader lines, StringBuilder text) throws IOException {
        String finish = null;
        while (finish == null) {
            finish = readEvent(lines, text);
        }
        return finish;
    }

    private static String readEvent(BufferedReader lines, StringBuilder text) throws IOException {
        String line = lines.readLine();
        if (line == null) {
            throw new UncheckedIOException(new IOException("the stream closed before its finish reason"));
        }
        if (!line.startsWith("data: ") || line.equals(ServerSentEvents.DONE)) {
            return null;
        }
        JsonNode choice = TestServer.json(line.substring(6)).path("choices").path(0);
        text.append(choice.path("text").asText());
        return choice.path("finish_reason").isTextual() ? choice.path("finish_reason").asText() : null;
    }
}
