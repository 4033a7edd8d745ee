package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bench against a real LMI server that asks for an API key ({@code option.api_key}), with its real worker. */
class BenchApiKeyEndToEndTest {

    private static final Path TINY_LLAMA = Path.of(System.getProperty("lmi.testdata"), "tiny-llama");
    private static final String KEY = "bench-test-key-7d21";
    private static final List<String> SMALL_RUN = List.of("--prompt-tokens", "8", "--max-tokens", "4",
            "--ignore-eos", "--concurrency", "2", "--num-requests", "4");
    private static InProcessServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = InProcessServer.start(TINY_LLAMA, "--worker_startup_timeout_s", "120",
                "--option.kv_cache_bytes", "16m", "--option.api_key", KEY);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void withTheKeyEveryRequestAndEveryMetricsScrapePasses() throws Exception {
        RunStats run = bench("--api-key", KEY, "--metrics").runs().get(0);

        assertEquals(4, run.completed(), run.errors().toString());
        assertEquals(4 * 4, run.totalOutputTokens());
        assertNotNull(run.stepSplit(), "the /metrics scrapes around the run carried the key too");
    }

    @Test
    void withoutTheKeyTheModelProbeSaysToGiveIt() {
        BenchException error = assertThrows(BenchException.class, () -> bench());

        assertTrue(error.getMessage().contains("/v1/models answered 401: this server requires an API key"),
                error.getMessage());
        assertTrue(error.getMessage().endsWith("; give the server's key with --api-key KEY"), error.getMessage());
    }

    @Test
    void aWrongKeyFailsEveryRequestWith401() throws Exception {
        RunStats run = bench("--api-key", "not-the-key", "--model-name", "tiny-llama", "--no-metrics").runs().get(0);

        assertEquals(0, run.completed());
        assertEquals(4, run.failed());
        RunStats.ErrorCount unauthorized = run.errors().get("http_401");
        assertNotNull(unauthorized, run.errors().toString());
        assertEquals(4, unauthorized.count());
        assertTrue(unauthorized.firstMessage().startsWith("the API key sent is not valid"), unauthorized.toString());
    }

    private static BenchSummary bench(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--url", server.url()));
        args.addAll(SMALL_RUN);
        args.addAll(List.of(flags));
        return BenchMain.run(args, System.err);
    }
}
