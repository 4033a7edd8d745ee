package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchArgumentsTest {

    private static final String TINY_LLAMA =
            Path.of(System.getProperty("lmi.testdata"), "tiny-llama").toString();

    @Test
    void defaults() throws UsageException {
        BenchArguments args = BenchArguments.parse(List.of());
        assertEquals("http://127.0.0.1:8080", args.url().toString());
        assertEquals(Api.COMPLETIONS, args.api());
        assertEquals(List.of(new LoadPattern.ClosedLoop(1)), args.loads());
        assertEquals(100, args.numRequests());
        assertEquals(0, args.warmup());
        assertEquals(PromptFormat.IDS, args.prompts().format());
        assertEquals(128, args.prompts().promptTokens());
        assertEquals(1, args.prompts().bosId());
        assertEquals(OutputLengths.fixed(128), args.outputLengths());
        assertEquals(Duration.ofSeconds(600), args.requestTimeout());
        assertEquals(MetricsMode.AUTO, args.metrics());
        assertEquals(0.0, args.temperature());
        assertNull(args.goodput());
        assertNull(args.modelName());
        assertEquals(ApiKey.NONE, args.apiKey());
    }

    @Test
    void anApiKeyIsKeptButNeverPrinted() throws UsageException {
        BenchArguments args = BenchArguments.parse(List.of("--api-key", "sk-bench-1"));

        assertTrue(args.apiKey().isPresent());
        assertEquals("****", args.apiKey().toString());
        assertFalse(args.toString().contains("sk-bench-1"), args.toString());
        UsageException empty = assertThrows(UsageException.class, () -> BenchArguments.parse(List.of("--api-key=")));
        assertEquals("--api-key must not be empty", empty.getMessage());
    }

    @Test
    void aSweepAndAnOpenLoop() throws UsageException {
        BenchArguments sweep = BenchArguments.parse(List.of("--concurrency", "1,4,16,64", "--url=http://host:9/",
                "--max-tokens-range", "8:32", "--ignore-eos", "--goodput", "ttft:500"));
        assertEquals(List.of(new LoadPattern.ClosedLoop(1), new LoadPattern.ClosedLoop(4),
                new LoadPattern.ClosedLoop(16), new LoadPattern.ClosedLoop(64)), sweep.loads());
        assertEquals("http://host:9", sweep.url().toString());
        assertEquals(new OutputLengths(8, 32), sweep.outputLengths());
        assertTrue(sweep.ignoreEos());
        assertEquals(500.0, sweep.goodput().ttftMs());

        BenchArguments open = BenchArguments.parse(List.of("--request-rate", "2.5", "--max-concurrency", "8"));
        assertEquals(List.of(new LoadPattern.OpenLoop(2.5, 8)), open.loads());
    }

    @Test
    void textPromptsForInvocationsWithATokenizer() throws UsageException {
        BenchArguments args = BenchArguments.parse(List.of("--api", "invocations", "--tokenizer", TINY_LLAMA,
                "--shared-prefix-tokens", "32", "--prompt-tokens", "64"));
        assertEquals(PromptFormat.TEXT, args.prompts().format());
        assertEquals(32, args.prompts().sharedPrefixTokens());
    }

    @Test
    void embeddingsSendTextSentencesAndSweepLikeTheOtherApis() throws UsageException {
        BenchArguments args = BenchArguments.parse(List.of("--api", "embeddings", "--tokenizer", TINY_LLAMA,
                "--prompt-tokens", "32", "--concurrency", "1,8,32", "--goodput", "e2el:200"));
        assertEquals(Api.EMBEDDINGS, args.api());
        assertEquals(PromptFormat.TEXT, args.prompts().format());
        assertEquals(32, args.prompts().promptTokens());
        assertEquals(List.of(new LoadPattern.ClosedLoop(1), new LoadPattern.ClosedLoop(8),
                new LoadPattern.ClosedLoop(32)), args.loads());
        assertEquals(200.0, args.goodput().e2elMs());
    }

    @Test
    void embeddingsRejectWhatOnlyGenerationMeans() {
        for (String[] flag : new String[][] {{"--max-tokens", "8"}, {"--max-tokens-range", "1:4"}, {"--ignore-eos"},
                {"--temperature", "0.5"}}) {
            List<String> args = new ArrayList<>(List.of("--api", "embeddings", "--tokenizer", TINY_LLAMA));
            args.addAll(List.of(flag));
            assertError(flag[0] + " does not apply to --api embeddings: an embedding request generates no tokens",
                    args.toArray(String[]::new));
        }
        assertError("--goodput tpot does not apply to --api embeddings", "--api", "embeddings", "--tokenizer",
                TINY_LLAMA, "--goodput", "e2el:100,tpot:5");
        assertError("--goodput ttft does not apply to --api embeddings", "--api", "embeddings", "--tokenizer",
                TINY_LLAMA, "--goodput", "ttft:100");
        assertError("--plot does not apply to --api embeddings", "--api", "embeddings", "--tokenizer", TINY_LLAMA,
                "--plot", "x.png");
        assertError("--prompt-source ids is not possible with --api embeddings", "--api", "embeddings",
                "--prompt-source", "ids");
        assertError("--prompt-source text (the default for --api embeddings) needs --tokenizer DIR", "--api",
                "embeddings");
    }

    @Test
    void errorsNameTheFlagAndWhatItAccepts() {
        assertError("--api must be one of completions, invocations, embeddings; got 'chat'", "--api", "chat");
        assertError("--prompt-source must be one of ids, text; got 'words'", "--prompt-source", "words");
        assertError("--concurrency must be an integer >= 1, got '0'", "--concurrency", "1,0");
        assertError("--concurrency must be a comma-separated list", "--concurrency", "1,,4");
        assertError("--num-requests must be an integer >= 1, got 'many'", "--num-requests", "many");
        assertError("--request-rate must be a number > 0, got '-1'", "--request-rate", "-1");
        assertError("--temperature must be a number >= 0", "--temperature", "-0.5");
        assertError("--max-tokens-range must be LO:HI", "--max-tokens-range", "9:3");
        assertError("--url must be an http:// or https:// URL", "--url", "localhost:8080");
        assertError("--concurrency (closed loop) and --request-rate (open loop) exclude each other",
                "--concurrency", "4", "--request-rate", "2");
        assertError("--max-concurrency caps an open loop", "--max-concurrency", "4");
        assertError("--max-tokens and --max-tokens-range exclude each other", "--max-tokens", "4",
                "--max-tokens-range", "1:4");
        assertError("--prompt-source ids is not possible with --api invocations", "--api", "invocations",
                "--prompt-source", "ids");
        assertError("--prompt-source text (the default for --api invocations) needs --tokenizer DIR",
                "--api", "invocations");
        assertError("--shared-prefix-tokens must be <= --prompt-tokens (16), got 17", "--prompt-tokens", "16",
                "--shared-prefix-tokens", "17");
        assertError("--tokenizer must be a model directory holding tokenizer.json", "--tokenizer", "/nonexistent");
        assertError("--prompt-tokens shapes synthetic prompts; it cannot be used with --prompts-file",
                "--prompts-file", "p.jsonl", "--prompt-tokens", "5");
        assertError("--plot draws a concurrency sweep", "--request-rate", "1", "--plot", "x.png");
        assertError("--goodput metrics are ttft, tpot and e2el", "--goodput", "itl:5");
        assertError("--seed must be an integer", "--seed", "x");
        assertError("--warmup needs a value", "--warmup");
        assertError("--ignore-eos takes no value", "--ignore-eos=true");
        assertError("--num-requests is given twice", "--num-requests", "1", "--num-requests", "2");
        assertError("unknown argument '--concurency'", "--concurency", "4");
        assertError("--extra-body must be a JSON object such as", "--extra-body", "[1]");
        assertError("--extra-body must be a JSON object such as", "--extra-body", "{\"top_k\":");
        assertError("--extra-body may not set max_tokens, stream: the benchmark sets ignore_eos, max_tokens, model,",
                "--extra-body", "{\"top_k\": 2, \"max_tokens\": 3, \"stream\": false}");
        assertError("--extra-body applies to --api completions only, not invocations", "--api", "invocations",
                "--extra-body", "{}");
    }

    @Test
    void badArgumentsExitWithStatusTwoAndOneMessage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchMain.execute(List.of("--api", "chat"), print(out), print(err));
        assertEquals(2, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals("lmi bench: --api must be one of completions, invocations, embeddings; got 'chat'\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpDocumentsEveryFlagOnStdout() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, BenchMain.execute(List.of("--help"), print(out), print(new ByteArrayOutputStream())));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--api completions|invocations|embeddings"));
        for (String flag : List.of("--url", "--api", "--model-name", "--temperature", "--ignore-eos", "--concurrency",
                "--request-rate", "--max-concurrency", "--num-requests", "--warmup", "--prompt-tokens",
                "--prompt-source", "--tokenizer", "--vocab-size", "--bos-id", "--shared-prefix-tokens",
                "--prompts-file", "--seed", "--max-tokens", "--max-tokens-range", "--request-timeout", "--goodput",
                "--metrics", "--no-metrics", "--plot", "--label", "--result-file", "--help")) {
            assertTrue(help.contains("  " + flag + " "), flag + " is not documented");
        }
    }

    @Test
    void anUnreachableServerExitsWithStatusOne() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // Port 1 on the loopback refuses connections.
        int status = BenchMain.execute(List.of("--url", "http://127.0.0.1:1"), print(out), print(err));
        assertEquals(1, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("lmi bench: cannot reach the server at "
                + "http://127.0.0.1:1"), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertError(String expectedStart, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> BenchArguments.parse(List.of(args)),
                String.join(" ", args));
        assertTrue(e.getMessage().startsWith(expectedStart), "expected '" + expectedStart + "...', got '"
                + e.getMessage() + "'");
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
