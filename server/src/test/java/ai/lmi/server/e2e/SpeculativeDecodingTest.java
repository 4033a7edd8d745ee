package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.worker.PythonFinder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * N-gram speculative decoding through real HTTP and the real worker: greedy outputs are the same as without it,
 * batched, streamed, preempted and across a worker crash; on a model that repeats itself drafts are kept, so the
 * same output takes fewer engine steps.
 */
class SpeculativeDecodingTest {

    private static final String[] SPECULATION = {"--option.ngram_prompt_lookup", "true",
            "--option.speculative_length", "4"};
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path work;

    @Test
    void batchedAndStreamedGreedyOutputsMatchTheServerWithoutSpeculation() {
        List<String> plain;
        List<String> plainStream;
        try (TestServer server = TestServer.tinyLlamaServer()) {
            plain = completeAtOnce(server, 48);
            plainStream = stream(server, 48);
        }
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), with("--option.kv_cache_bytes", "16m"))) {
            assertEquals(plain, completeAtOnce(server, 48));
            assertEquals(plainStream, stream(server, 48));
            assertTrue(server.metric("lmi_spec_lookahead_slots_total") > 0, "decodes were offered lookahead");
        }
    }

    @Test
    void preemptedSpeculatingSequencesGiveTheSameOutputs() {
        List<String> plain;
        try (TestServer server = TestServer.tinyLlamaServer()) {
            plain = completeAtOnce(server, 150);
        }
        // 40 blocks of 16 tokens: every prompt with 150 tokens at once needs more, so sequences are preempted.
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), with("--option.kv_cache_bytes", "320k"))) {
            assertEquals(plain, completeAtOnce(server, 150));
            assertTrue(server.metric("lmi_preemptions_total") > 0, "the small KV cache preempted someone");
        }
    }

    @Test
    void aRepeatingModelKeepsDraftsAndNeedsFewerSteps() throws Exception {
        Path repeater = repeaterModel();
        int[] prompt = {1, 450, 4996, 17354, 1701};
        String body = Requests.greedyCompletion(prompt, 60, "\"ignore_eos\": true");
        String plain;
        double plainSteps;
        try (TestServer server = TestServer.start(repeater, "--option.kv_cache_bytes", "16m")) {
            plain = text(server.post("/v1/completions", body));
            plainSteps = server.metric("lmi_step_batch_size_count");
        }
        try (TestServer server = TestServer.start(repeater, with("--option.kv_cache_bytes", "16m"))) {
            assertEquals(plain, text(server.post("/v1/completions", body)));
            double accepted = server.metric("lmi_spec_accepted_tokens_total");
            assertTrue(accepted > 0, "drafts of a repeating model are kept");
            double steps = server.metric("lmi_step_batch_size_count");
            assertTrue(steps < plainSteps, steps + " steps with speculation, " + plainSteps + " without");
            assertEquals(plainSteps, steps + accepted, "every kept draft saved one step");
        }
    }

    @Test
    void streamsSurviveAWorkerKillWithSpeculationOn() {
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), with("--option.kv_cache_bytes", "16m"))) {
            List<String> bodies = Golden.cases().stream().limit(4).map(golden -> Requests.greedyCompletion(
                    golden.promptIds(), 300, "\"ignore_eos\": true, \"stream\": true")).toList();
            List<List<String>> expected = bodies.stream()
                    .map(body -> StreamedTokens.open(server, "/v1/completions", body).finish()).toList();

            List<StreamedTokens> streams = bodies.stream()
                    .map(body -> StreamedTokens.open(server, "/v1/completions", body)).toList();
            TestServer.await("every stream to reach 8 tokens", DEADLINE,
                    () -> streams.stream().mapToInt(StreamedTokens::tokensSoFar).min().orElse(0), least -> least >= 8);
            ProcessHandle worker = WorkerProcesses.only();
            assertTrue(worker.destroyForcibly(), "SIGKILL to the worker " + worker.pid());
            TestServer.await("the restart", DEADLINE, () -> server.metric("lmi_worker_restarts_total"), n -> n >= 1);

            for (int i = 0; i < streams.size(); i++) {
                assertEquals(expected.get(i), streams.get(i).finish(), "stream " + i);
            }
            assertEquals(streams.size(), server.metric("lmi_requests_resumed_total"));
        }
    }

    @Test
    void theModelAsItsOwnDraftKeepsDraftsAndChangesNoOutput() {
        List<String> plain;
        double plainSteps;
        try (TestServer server = TestServer.tinyLlamaServer()) {
            plain = completeAtOnce(server, 48);
            plainSteps = server.metric("lmi_step_batch_size_count");
        }
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--option.speculative_draft_model", TestServer.tinyLlama().toString(),
                "--option.speculative_length", "3")) {
            assertEquals(plain, completeAtOnce(server, 48));
            // Its own greedy tokens are the model's greedy tokens: drafts are kept, and steps saved.
            assertTrue(server.metric("lmi_spec_accepted_tokens_total") > 0, "drafts were kept");
            assertTrue(server.metric("lmi_step_batch_size_count") < plainSteps, "fewer steps with drafts");
        }
    }

    /** Every golden prompt greedy at once, so that they batch; their texts in order. */
    private static List<String> completeAtOnce(TestServer server, int maxTokens) {
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (Golden golden : Golden.cases()) {
            responses.add(server.postAsync("/v1/completions",
                    Requests.greedyCompletion(golden.promptIds(), maxTokens, "\"ignore_eos\": true")));
        }
        return responses.stream().map(response -> text(response.join())).toList();
    }

    private static List<String> stream(TestServer server, int maxTokens) {
        Golden golden = Golden.cases().get(1);
        return StreamedTokens.open(server, "/v1/completions", Requests.greedyCompletion(golden.promptIds(), maxTokens,
                "\"ignore_eos\": true, \"stream\": true")).finish();
    }

    private static String text(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return TestServer.json(response.body()).path("choices").path(0).path("text").asText();
    }

    private static String[] with(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(SPECULATION));
        return all.toArray(String[]::new);
    }

    /** tiny-llama made to repeat its input token, by python-worker/tests/make_repeater_model.py. */
    private Path repeaterModel() throws IOException, InterruptedException {
        Path out = work.resolve("repeater");
        Path script = TestServer.pythonWorker().resolve("tests").resolve("make_repeater_model.py");
        ProcessBuilder builder = new ProcessBuilder(PythonFinder.find(null, System.getenv()), script.toString(),
                "--model", TestServer.tinyLlama().toString(), "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process process = builder.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "make_repeater_model.py finished");
        assertEquals(0, process.exitValue(), "make_repeater_model.py");
        return out;
    }
}
