package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A client that hangs up mid-generation cancels it: its KV-cache blocks go back to the pool. One that hangs up
 * mid-body is no error.
 */
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

    /** A client that hangs up mid-body is routine under load (the soak does it thousands of times an hour). */
    @Test
    void hangingUpMidBodyIsADebugLineNotAWarningWithAStackTrace() {
        Logger router = (Logger) LoggerFactory.getLogger("ai.lmi.server.http.RequestRouter");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.list = new CopyOnWriteArrayList<>();
        Level level = router.getLevel();
        router.setLevel(Level.DEBUG);
        appender.start();
        router.addAppender(appender);
        try {
            try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
                client.postTruncated("/v1/completions", longGeneration(false), 40);
            }
            List<ILoggingEvent> events = TestServer.await("the server to log the truncated request", DEADLINE,
                    () -> appender.list.stream().filter(ClientDisconnectTest::isPrematureClosure).toList(),
                    found -> !found.isEmpty());
            assertEquals(Level.DEBUG, events.get(0).getLevel(), events.get(0).getFormattedMessage());
            assertNull(events.get(0).getThrowableProxy(), "no stack trace for a client that hung up");
        } finally {
            router.detachAppender(appender);
            router.setLevel(level);
        }
    }

    private static boolean isPrematureClosure(ILoggingEvent event) {
        String name = "PrematureChannelClosureException";
        return event.getFormattedMessage().contains(name)
                || (event.getThrowableProxy() != null && event.getThrowableProxy().getClassName().endsWith(name));
    }
}
