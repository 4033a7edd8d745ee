package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of a tensor-parallel follower (rank 1) mid-generation: the whole group ends, a new group of both
 * ranks starts, and every stream goes on where it stopped, with the tokens of a run that was never interrupted.
 */
class TensorParallelCrashTest extends SharedServerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final int STREAMS = 4;
    /// tokens each stream must have before the kill, so that it lands mid-generation
    private static final int TOKENS_BEFORE_KILL = 8;

    @Override
    TestServer start(Path work) {
        return TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--option.tensor_parallel_degree", "2");
    }

    @Test
    void streamsSurviveTheDeathOfAFollowerWithNoTokenLostOrRepeated() {
        List<String[]> requests = requests();
        List<List<String>> expected = requests.stream().map(this::open).toList().stream()
                .map(StreamedTokens::finish).toList();
        long rankZero = WorkerProcesses.rank(0).pid();

        List<StreamedTokens> streams = requests.stream().map(this::open).toList();
        TestServer.await("every stream to reach " + TOKENS_BEFORE_KILL + " tokens", DEADLINE,
                () -> streams.stream().mapToInt(StreamedTokens::tokensSoFar).min().orElse(0),
                least -> least >= TOKENS_BEFORE_KILL);
        ProcessHandle follower = WorkerProcesses.rank(1);
        assertTrue(follower.destroyForcibly(), "SIGKILL to rank 1, worker " + follower.pid());
        TestServer.await("the restart to begin", DEADLINE, () -> server.metric("lmi_worker_restarts_total"),
                count -> count >= 1);
        for (int i = 0; i < STREAMS; i++) {
            assertEquals(expected.get(i), streams.get(i).finish(), "stream " + i + " (" + requests.get(i)[1]
                    + ") differs from its uninterrupted run");
        }

        assertEquals(1, server.metric("lmi_worker_restarts_total"));
        assertEquals(STREAMS, server.metric("lmi_requests_resumed_total"), "every stream was in flight");
        assertEquals(200, server.get("/ping").statusCode());
        assertNotEquals(rankZero, WorkerProcesses.rank(0).pid(), "rank 0 was replaced too");
        assertNotEquals(follower.pid(), WorkerProcesses.rank(1).pid());
        assertEquals(2, WorkerProcesses.all().size());
    }

    /** Golden prompts, greedy and seeded, over both streaming formats; long enough to outlive a restart. */
    private static List<String[]> requests() {
        List<String[]> requests = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            Golden golden = Golden.cases().get(i % Golden.cases().size());
            int maxTokens = 400 - golden.promptIds().length;
            if (i % 2 == 0) {
                String sampling = i == 0 ? "\"temperature\": 0" : "\"temperature\": 0.8, \"seed\": " + i;
                requests.add(new String[] {"/v1/completions", "{\"prompt\": " + Requests.idList(golden.promptIds())
                        + ", \"max_tokens\": " + maxTokens + ", " + sampling + ", \"ignore_eos\": true, "
                        + "\"stream\": true}"});
            } else {
                String sampling = i == 1 ? "\"do_sample\": false" : "\"do_sample\": true, \"seed\": " + i;
                requests.add(new String[] {"/invocations", "{\"inputs\": "
                        + TestServer.JSON.valueToTree(golden.prompt()) + ", \"parameters\": {\"max_new_tokens\": "
                        + maxTokens + ", " + sampling + ", \"ignore_eos\": true}, \"stream\": true}"});
            }
        }
        return requests;
    }

    private StreamedTokens open(String[] request) {
        return StreamedTokens.open(server, request[0], request[1]);
    }
}
