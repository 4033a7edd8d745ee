package ai.lmi.server.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** option.batching and option.enable_chunked_prefill with the real worker and tiny-llama (max_model_len 512). */
class EngineLoopStaticBatchingTest {
    private static final Path TINY_LLAMA = Path.of(System.getProperty("lmi.testdata"), "tiny-llama");
    private static final int[] PROMPT = {1, 415, 5565, 302, 4843, 349};
    private static Tokenizer tokenizer;

    @BeforeAll
    static void loadTokenizer() throws Exception {
        tokenizer = Tokenizer.load(TINY_LLAMA);
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    private static EngineLoop engine(Batching batching, boolean chunkedPrefill, ServerMetrics metrics) {
        WorkerSettings worker = WorkerSettings.defaults(Path.of(System.getProperty("lmi.pythonWorker")))
                .withStartTimeout(Duration.ofMinutes(2));
        EngineOptions options = EngineOptions.forModel(TINY_LLAMA.toString()).withKvCacheBytes(8L << 20);
        EngineSettings settings = new EngineSettings("tiny-llama", TINY_LLAMA, 64, 256, chunkedPrefill, batching,
                0, true, 100, 5, Duration.ofMinutes(10), 0, 16, null, 0, Map.of());
        return new EngineLoop(settings, tokenizer, metrics, new WorkerLauncher(worker, options, 1));
    }

    private static SamplingParams greedy(int maxNewTokens, List<String> stops) {
        return SamplingParams.builder().maxNewTokens(maxNewTokens).stop(stops).ignoreEos(true).build();
    }

    /** Submits every request at once and waits for all. */
    private static List<CollectingSink> generateAll(EngineLoop engine, List<SamplingParams> requests)
            throws Exception {
        List<CollectingSink> sinks = new ArrayList<>();
        for (SamplingParams params : requests) {
            CollectingSink sink = new CollectingSink();
            engine.submit(new GenerationRequest("static", PROMPT, params), sink);
            sinks.add(sink);
        }
        for (CollectingSink sink : sinks) {
            sink.result.get(60, TimeUnit.SECONDS);
        }
        return sinks;
    }

    @Test
    void staticBatchesAnswerWhatContinuousBatchingAnswers() throws Exception {
        List<SamplingParams> requests = new ArrayList<>();
        for (int maxNewTokens : new int[] {3, 7, 12, 20}) {
            requests.add(greedy(maxNewTokens, List.of()));
        }
        List<CollectingSink> continuous;
        try (EngineLoop engine = engine(Batching.CONTINUOUS, true, new ServerMetrics())) {
            engine.start();
            continuous = generateAll(engine, requests);
            // A stop string ends a request from the engine loop rather than the scheduler: that row pads too.
            String text = continuous.get(3).result.get().text();
            requests.add(greedy(20, List.of(text.substring(10, 14))));
            continuous.addAll(generateAll(engine, requests.subList(4, 5)));
        }
        ServerMetrics metrics = new ServerMetrics();
        try (EngineLoop engine = engine(Batching.STATIC, true, metrics)) {
            engine.start();
            List<CollectingSink> batched = generateAll(engine, requests);
            for (int i = 0; i < requests.size(); i++) {
                GenerationResult expected = continuous.get(i).result.get();
                GenerationResult result = batched.get(i).result.get();
                assertArrayEquals(continuous.get(i).tokenIds(), batched.get(i).tokenIds(), "request " + i);
                assertEquals(expected.text(), result.text(), "request " + i);
                assertEquals(expected.finishReason(), result.finishReason(), "request " + i);
                assertEquals(result.generatedTokens(), batched.get(i).tokens.size(), "no token after the last");
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(requests.get(i).maxNewTokens(), batched.get(i).tokens.size());
            }
            assertEquals(FinishReason.STOP_SEQUENCE, batched.get(4).result.get().finishReason());
            // The engine thread records its gauges just after the last token event.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (samples(metrics).get("lmi_kv_cache_blocks_used") > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, samples(metrics).get("lmi_kv_cache_blocks_used"));
            assertTrue(samples(metrics).get("lmi_padding_tokens_total") > 0, "the shorter requests padded the batch");
        }
    }

    @Test
    void withoutChunkedPrefillABudgetBelowMaxModelLenStopsTheStart() {
        try (EngineLoop engine = engine(Batching.CONTINUOUS, false, new ServerMetrics())) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, engine::start);
            assertTrue(error.getMessage().startsWith("option.enable_chunked_prefill=false needs "
                    + "option.max_num_batched_tokens (256) >= option.max_model_len (512)"), error.getMessage());
        }
    }

    /** The unlabelled samples of the metrics, by name. */
    private static Map<String, Double> samples(ServerMetrics metrics) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : metrics.render().split("\n")) {
            int space = line.indexOf(' ');
            if (!line.startsWith("#") && !line.contains("{")) {
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }
}
