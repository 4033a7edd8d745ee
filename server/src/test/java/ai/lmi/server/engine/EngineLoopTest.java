package ai.lmi.server.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.config.Batching;
import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.SamplingParams;
import ai.lmi.server.generation.GenerationRequest;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.tokenizer.Tokenizer;
import ai.lmi.server.worker.EngineOptions;
import ai.lmi.server.worker.WorkerSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine loop with the real worker process and the real tiny-llama model and tokenizer. */
class EngineLoopTest {
    private static final Path TINY_LLAMA = Path.of(System.getProperty("lmi.testdata"), "tiny-llama");
    private static ServerMetrics metrics;
    private static EngineLoop engine;

    @BeforeAll
    static void start() throws Exception {
        metrics = new ServerMetrics();
        WorkerSettings worker = WorkerSettings.defaults(Path.of(System.getProperty("lmi.pythonWorker")))
                .withStartTimeout(Duration.ofMinutes(2));
        EngineOptions options = EngineOptions.forModel(TINY_LLAMA.toString()).withKvCacheBytes(8L << 20);
        EngineSettings settings = new EngineSettings("tiny-llama", TINY_LLAMA, 64, 256, true, Batching.CONTINUOUS,
                0, true, 100, 5, Duration.ofMinutes(10), 0, 16, null, 0, Map.of());
        engine = new EngineLoop(settings, Tokenizer.load(TINY_LLAMA), metrics, new WorkerLauncher(worker, options, 1));
        engine.start();
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static CollectingSink generate(int[] prompt, SamplingParams params) throws Exception {
        CollectingSink sink = new CollectingSink();
        engine.submit(new GenerationRequest("test", prompt, params), sink);
        return sink;
    }

    private static SamplingParams greedy(int maxNewTokens, int topLogprobs) {
        return SamplingParams.builder().maxNewTokens(maxNewTokens).ignoreEos(true).topLogprobs(topLogprobs).build();
    }

    @Test
    void goldenCasesGiveLlamaCppsTokensAndLogprobs() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(TINY_LLAMA.resolve("golden.json").toFile()).get("cases");
        List<CollectingSink> sinks = new ArrayList<>();
        for (JsonNode c : cases) {
            sinks.add(generate(ints(c.get("prompt_ids")), greedy(c.get("output_ids").size(), 5)));
        }
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            CollectingSink sink = sinks.get(i);
            GenerationResult result = sink.result.get(60, TimeUnit.SECONDS);
            assertArrayEquals(ints(c.get("output_ids")), sink.tokenIds(), "case " + i);
            assertEquals(FinishReason.LENGTH, result.finishReason());
            assertEquals(c.get("output_text").asText(), result.text(), "case " + i);
            assertEquals(result.text(), sink.text());
            for (int step = 0; step < sink.tokens.size(); step++) {
                JsonNode top = c.get("steps").get(step).get("top");
                for (int rank = 0; rank < 5; rank++) {
                    assertEquals(top.get(rank).get("id").asInt(), sink.tokens.get(step).top().get(rank).tokenId());
                    assertEquals(top.get(rank).get("logprob").asDouble(),
                            sink.tokens.get(step).top().get(rank).logprob(), 2e-3);
                }
            }
        }
    }

    @Test
    void concurrentRequestsReturnWhatEachReturnsAlone() throws Exception {
        Random random = new Random(7);
        List<int[]> prompts = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int[] prompt = new int[3 + random.nextInt(60)];
            prompt[0] = 1;
            for (int j = 1; j < prompt.length; j++) {
                prompt[j] = 3 + random.nextInt(31997);
            }
            prompts.add(prompt);
            lengths.add(4 + random.nextInt(30));
        }
        List<int[]> alone = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            CollectingSink sink = generate(prompts.get(i), greedy(lengths.get(i), 0));
            sink.result.get(60, TimeUnit.SECONDS);
            alone.add(sink.tokenIds());
        }
        List<CollectingSink> together = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            together.add(generate(prompts.get(i), greedy(lengths.get(i), 0)));
        }
        for (int i = 0; i < 32; i++) {
            together.get(i).result.get(60, TimeUnit.SECONDS);
            assertArrayEquals(alone.get(i), together.get(i).tokenIds(), "request " + i);
        }
    }

    @Test
    void stopSequenceEndsTheTextBeforeIt() throws Exception {
        int[] prompt = {1, 415, 5565, 302, 4843, 349};
        String full = generate(prompt, greedy(24, 0)).result.get(60, TimeUnit.SECONDS).text();
        String stop = full.substring(10, 14);
        SamplingParams params = SamplingParams.builder().maxNewTokens(24).stop(List.of(stop)).ignoreEos(true).build();
        CollectingSink sink = generate(prompt, params);
        GenerationResult result = sink.result.get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.STOP_SEQUENCE, result.finishReason());
        assertEquals(full.substring(0, full.indexOf(stop)), result.text());
        assertEquals(result.text(), sink.text());
    }

    @Test
    void cancellingFreesEveryBlock() throws Exception {
        CollectingSink sink = new CollectingSink();
        var handle = engine.submit(new GenerationRequest("cancel", new int[] {1, 415, 5565}, greedy(400, 0)), sink);
        while (sink.tokens.size() < 5) {
            Thread.sleep(5);
        }
        assertTrue(usedBlocks() > 0);
        handle.cancel();
        awaitNoUsedBlocks();
        assertFalse(sink.result.isDone(), "a cancelled request gets no more events");
    }

    @Test
    void promptPlusMaxTokensOverMaxModelLenIsRefused() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> engine.submit(new GenerationRequest("long", new int[500], greedy(20, 0)), new CollectingSink()));
        assertTrue(error.getMessage().contains("max_model_len 512"), error.getMessage());
    }

    @Test
    void aRequestWhoseWorkerIsKilledGoesOnWhereItStoppedOnTheNextWorker() throws Exception {
        int[] prompt = {1, 415, 5565};
        CollectingSink uninterrupted = generate(prompt, greedy(480, 0));
        uninterrupted.result.get(60, TimeUnit.SECONDS);
        CollectingSink victim = generate(prompt, greedy(480, 0));
        while (victim.tokens.size() < 3) {
            Thread.sleep(5);
        }
        long pid = engine.workerPid();
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        assertFalse(victim.result.isDone(), "the request was still generating when its worker was killed");
        CollectingSink duringRestart = generate(new int[] {1, 415, 5565, 302, 4843, 349}, greedy(3, 0));

        victim.result.get(120, TimeUnit.SECONDS);
        assertArrayEquals(uninterrupted.tokenIds(), victim.tokenIds());
        assertEquals(uninterrupted.text(), victim.text());
        duringRestart.result.get(60, TimeUnit.SECONDS);
        assertArrayEquals(new int[] {8969, 934, 21171}, duringRestart.tokenIds());
        assertTrue(engine.isReady());
        assertTrue(engine.workerPid() != pid);
        awaitNoUsedBlocks();
    }

    /** The gauges are recorded after the step that finished a request: wait for them. */
    private static void awaitNoUsedBlocks() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (usedBlocks() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, usedBlocks());
    }

    private static int usedBlocks() {
        for (String line : metrics.render().split("\n")) {
            if (line.startsWith("lmi_kv_cache_blocks_used ")) {
                return (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("lmi_kv_cache_blocks_used missing from the metrics");
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
