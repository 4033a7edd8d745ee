package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A client that hangs up mid-generation cancels it: its KV-cache blocks go back to the pool. */
class ClientDisconnectTest extends TinyLlamaServerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String BLOCKS_USED = "lmi_kv_cache_blocks_used";
    private static final String CLIENT_CLOSED = "status=\"499\"";

    /** A 100-token prompt and as many new tokens as fit: a generation that outlasts what the test does with it. */
    private static String longGeneration(boolean stream) {
        int[] prompt = new int[100];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = i == 0 ? 1 : 1000 + i;
        }
        return Requests.greedyCompletion(prompt, 512 - prompt.length,
                "\"ignore_eos\": true, \"stream\": " + stream);
    }

    @Test
    void hangingUpMidStreamFreesTheBlocks() {
        double idle = server.metric(BLOCKS_USED);
        double closedBefore = server.metric("lmi_requests_total", CLIENT_CLOSED);

        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.post("/v1/completions", longGeneration(true));
            String received = client.readUntil(text -> text.split("\ndata: ", -1).length > 3);
            assertTrue(received.startsWith("HTTP/1.1 200 "), received);
            assertTrue(server.metric(BLOCKS_USED) > idle, "the streaming request holds blocks while it runs");
        }

        TestServer.await("blocks back to their idle count " + idle, DEADLINE, () -> server.metric(BLOCKS_USED),
                used -> used == idle);
        assertEquals(0, server.metric("lmi_requests_running"));
        assertEquals(closedBefore + 1, server.metric("lmi_requests_total", CLIENT_CLOSED),
                "the request ended because the client closed, not because it finished");
    }

    @Test
    void hangingUpBeforeAWholeResponseFreesTheBlocks() {
        double idle = server.metric(BLOCKS_USED);
        double closedBefore = server.metric("lmi_requests_total", CLIENT_CLOSED);

        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.post("/v1/completions", longGeneration(false));
            TestServer.await("the request to run", DEADLINE, () -> server.metric("lmi_requests_running"),
                    running -> running == 1);
        }

        TestServer.await("blocks back to their idle count " + idle, DEADLINE, () -> server.metric(BLOCKS_USED),
                used -> used == idle);
        assertEquals(closedBefore + 1, server.metric("lmi_requests_total", CLIENT_CLOSED),
                "the request ended because the client closed, not because it finished");
    }
}
