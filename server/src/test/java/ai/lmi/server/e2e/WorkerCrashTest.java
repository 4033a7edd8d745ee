package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of the worker mid-generation, twice, under 16 concurrent streams: the server starts a new worker,
 * re-admits every request, and each stream goes on where it stopped — the same tokens, in the same order, as a run
 * that was never interrupted, greedy and seeded alike, over both streaming formats.
 */
class WorkerCrashTest extends TinyLlamaServerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final int STREAMS = 16;
    /// tokens each stream must gain between kills, so that every kill lands mid-generation
    private static final int TOKENS_BETWEEN_KILLS = 8;

    @Test
    void streamsSurviveTwoWorkerKillsWithNoTokenLostOrRepeated() {
        List<String[]> requests = requests();
        List<StreamedTokens> reference = requests.stream().map(this::open).toList();
        List<List<String>> expected = reference.stream().map(StreamedTokens::finish).toList();

        List<StreamedTokens> streams = requests.stream().map(this::open).toList();
        long firstWorker = killWhenEachStreamHas(streams, TOKENS_BETWEEN_KILLS);
        TestServer.await("/ping to answer 503 while the worker restarts", DEADLINE,
                () -> server.get("/ping").statusCode(), status -> status == 503);
        Golden golden = Golden.cases().get(0);
        CompletableFuture<HttpResponse<String>> duringRestart = server.postAsync("/v1/completions",
                Requests.greedyCompletion(golden.promptIds(), golden.outputIds().length, ""));
        awaitBackUp(1);
        // Answered before the second kill, so that the kills resume the 16 streams alone.
        HttpResponse<String> queued = duringRestart.join();
        assertEquals(200, queued.statusCode(), "a request sent while the worker restarted waits for it: " + queued.body());
        assertEquals(golden.outputText(), TestServer.json(queued.body()).path("choices").path(0).path("text").asText());
        long secondWorker = killWhenEachStreamHas(streams, TOKENS_BETWEEN_KILLS + streams.stream()
                .mapToInt(StreamedTokens::tokensSoFar).max().orElse(0));
        awaitBackUp(2);
        for (int i = 0; i < STREAMS; i++) {
            List<String> got = streams.get(i).finish();
            assertEquals(expected.get(i), got, "stream " + i + " (" + requests.get(i)[0] + " " + requests.get(i)[1]
                    + ") differs from its uninterrupted run");
        }

        assertEquals(2, server.metric("lmi_worker_restarts_total"));
        assertEquals(2 * STREAMS, server.metric("lmi_requests_resumed_total"),
                "every stream was in flight at both kills");
        assertEquals(2 * STREAMS + 1, server.metric("lmi_requests_total", "status=\"200\""));
        assertNotEquals(firstWorker, secondWorker);
        assertNotEquals(secondWorker, WorkerProcesses.only().pid());
        TestServer.await("KV blocks to be free", DEADLINE, () -> server.metric("lmi_kv_cache_blocks_used"),
                used -> used == 0);
    }

    /**
     * Eight golden prompts, each greedy and seeded at temperature 0.8, alternating between OpenAI completions
     * (server-sent events) and LMI invocations (JSON lines); long enough to outlive two restarts.
     */
    private static List<String[]> requests() {
        List<String[]> requests = new ArrayList<>();
        List<Golden> cases = Golden.cases();
        for (int i = 0; i < STREAMS; i++) {
            Golden golden = cases.get(i % cases.size());
            int maxTokens = Math.min(380, 512 - golden.promptIds().length);
            String sampling = i < cases.size() ? "\"temperature\": 0" : "\"temperature\": 0.8, \"seed\": " + (100 + i);
            if (i % 2 == 0) {
                requests.add(new String[] {"/v1/completions", "{\"prompt\": " + Requests.idList(golden.promptIds())
                        + ", \"max_tokens\": " + maxTokens + ", " + sampling + ", \"ignore_eos\": true, "
                        + "\"stream\": true}"});
            } else {
                String parameters = i < cases.size() ? "\"do_sample\": false"
                        : "\"do_sample\": true, \"temperature\": 0.8, \"seed\": " + (100 + i);
                requests.add(new String[] {"/invocations", "{\"inputs\": " + TestServer.JSON.valueToTree(golden.prompt())
                        + ", \"parameters\": {\"max_new_tokens\": " + maxTokens + ", " + parameters
                        + ", \"ignore_eos\": true}, \"stream\": true}"});
            }
        }
        return requests;
    }

    /** Waits until every stream has at least {@code tokens} tokens, then kills the worker; returns its pid. */
    private static long killWhenEachStreamHas(List<StreamedTokens> streams, int tokens) {
        TestServer.await("every stream to reach " + tokens + " tokens", DEADLINE,
                () -> streams.stream().mapToInt(StreamedTokens::tokensSoFar).min().orElse(0), least -> least >= tokens);
        ProcessHandle worker = WorkerProcesses.only();
        assertTrue(worker.destroyForcibly(), "SIGKILL to the worker " + worker.pid());
        return worker.pid();
    }

    /** /ping answers 503 while the worker restarts, then 200 once the {@code restarts}-th new one serves. */
    private void awaitBackUp(int restarts) {
        TestServer.await("restart " + restarts + " to begin", DEADLINE,
                () -> server.metric("lmi_worker_restarts_total"), count -> count >= restarts);
        TestServer.await("/ping to answer 200 after restart " + restarts, DEADLINE,
                () -> server.get("/ping").statusCode(), status -> status == 200);
    }

    private StreamedTokens open(String[] request) {
        return StreamedTokens.open(server, request[0], request[1]);
    }
}
