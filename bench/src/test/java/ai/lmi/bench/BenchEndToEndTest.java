package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench against a real LMI server in-process, with its real Python worker serving tiny-llama. */
class BenchEndToEndTest {

    private static final Path TINY_LLAMA = Path.of(System.getProperty("lmi.testdata"), "tiny-llama");
    private static InProcessServer server;
    private static String url;

    @BeforeAll
    static void startServer() throws Exception {
        server = InProcessServer.start(TINY_LLAMA, "--worker_startup_timeout_s", "120",
                "--option.kv_cache_bytes", "16m");
        url = server.url();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aCompletionsSweepMeasuresEveryTokenAndTheStepSplit(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sweep.png");
        Path resultFile = dir.resolve("result.json");
        BenchSummary summary = BenchMain.run(List.of("--url", url, "--api", "completions", "--prompt-source", "ids",
                "--prompt-tokens", "16", "--max-tokens", "8", "--ignore-eos", "--concurrency", "1,4",
                "--num-requests", "12", "--goodput", "ttft:60000", "--label", "e2e", "--plot", png.toString(),
                "--result-file", resultFile.toString()), System.err);

        assertEquals(2, summary.runs().size());
        for (RunStats run : summary.runs()) {
            String name = run.load().name();
            assertEquals(12, run.completed(), name + " " + run.errors());
            assertEquals(0, run.failed());
            assertEquals(12 * 8, run.totalOutputTokens(), name);
            assertEquals(12 * 16, run.totalInputTokens(), name);
            assertTrue(run.ttftMs().mean() > 0 && run.ttftMs().p99() >= run.ttftMs().p50(), name);
            assertTrue(run.tpotMs().mean() > 0, name);
            assertTrue(run.itlMs().mean() > 0, name);
            assertTrue(run.e2elMs().mean() > run.ttftMs().mean(), name);
            assertTrue(run.outputThroughput() > 0, name);
            assertEquals(12, run.goodput().goodRequests(), name);
            StepSplit split = run.stepSplit();
            assertNotNull(split, name);
            List<String> phases = split.phases().stream().map(StepSplit.Phase::name).toList();
            assertTrue(phases.containsAll(List.of("schedule", "ipc", "forward")), phases.toString());
            StepSplit.Phase forward = split.phases().stream().filter(p -> p.name().equals("forward")).findFirst()
                    .orElseThrow();
            // At least the 8 decode steps of the last request, each with a forward pass.
            assertTrue(forward.steps() >= 8 && forward.seconds() > 0 && forward.share() > 0, forward.toString());
            assertNotNull(split.preemptions());
        }

        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(SweepChart.WIDTH, image.getWidth());
        assertEquals(SweepChart.HEIGHT, image.getHeight());
        JsonNode json = Json.MAPPER.readTree(Files.readString(resultFile));
        assertEquals("e2e", json.path("label").asText());
        assertEquals(4, json.path("runs").path(1).path("concurrency").asInt());
        assertEquals(96, json.path("runs").path(1).path("total_output_tokens").asInt());
        assertTrue(json.path("runs").path(0).path("step_split").path("phases").has("forward"));
    }

    @Test
    void invocationsWithTextPromptsOfExactLength() throws Exception {
        BenchSummary summary = BenchMain.run(List.of("--url", url, "--api", "invocations", "--tokenizer",
                TINY_LLAMA.toString(), "--prompt-tokens", "16", "--max-tokens", "8", "--ignore-eos",
                "--concurrency", "2", "--num-requests", "4", "--warmup", "1"), System.err);

        RunStats run = summary.runs().get(0);
        assertEquals(4, run.completed(), run.errors().toString());
        assertEquals(4 * 8, run.totalOutputTokens());
        // The LMI schema reports no prompt count; the generated prompts' own count stands.
        assertEquals(4 * 16, run.totalInputTokens());
        assertTrue(run.tpotMs().mean() > 0);
    }

    @Test
    void aRejectedRequestCountsAsFailedWithTheServersMessage() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = BenchMain.execute(List.of("--url", url, "--prompt-tokens", "16", "--max-tokens", "1000",
                "--num-requests", "3", "--no-metrics"), new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);

        assertEquals(0, status);
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(1, lines.length, "stdout carries only the JSON summary");
        JsonNode run = Json.MAPPER.readTree(lines[0]).path("runs").path(0);
        assertEquals(0, run.path("completed").asInt());
        assertEquals(3, run.path("failed").asInt());
        JsonNode badRequest = run.path("errors").path("http_400");
        assertEquals(3, badRequest.path("count").asInt());
        assertTrue(badRequest.path("first_message").asText().contains("max_model_len"), badRequest.toString());
        assertTrue(run.path("ttft_ms").isNull());
        assertTrue(run.path("step_split").isMissingNode());
    }

    @Test
    void aStreamOverItsTimeoutIsCutAndCountedAsTimedOut() throws Exception {
        // 400 tokens take about a second on tiny-llama; 50 ms cuts each stream after its first tokens.
        BenchSummary summary = BenchMain.run(List.of("--url", url, "--prompt-tokens", "16", "--max-tokens", "400",
                "--ignore-eos", "--request-timeout", "0.05", "--num-requests", "2", "--no-metrics"), System.err);

        RunStats run = summary.runs().get(0);
        assertEquals(2, run.failed());
        assertEquals(new RunStats.ErrorCount(2, "no complete response within 0.05 s"), run.errors().get("timeout"));
        assertTrue(run.durationS() < 5, "the cut streams were not waited for: " + run.durationS() + " s");
    }
}
