package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code max_stream_buffer_bytes}: a client that never reads its stream cannot make the server hold the rest of
 * the generation. Once the kernel's socket buffers are full and more than the limit waits in the server, the
 * stream is stopped, its KV blocks freed and its connection closed; other requests meanwhile get their golden
 * output. That the limit is reached at all shows the engine kept generating while the socket took nothing.
 *
 * <p>On loopback the kernel alone holds about 1.7 MB of a connection's unread output (its send buffer grows to
 * 4 MiB for loopback's 64 KiB segments) — more than tiny-llama's 512 positions make. So the model here is
 * tiny-llama with 8192 positions (same weights and RoPE: positions under 512 compute what they always did) and the
 * slow stream asks for 8000 tokens with 20 top tokens each, about 1.2 KiB per event; it is stopped after about
 * 1,400.
 */
class SlowStreamClientTest extends SharedServerTest {

    private static final int POSITIONS = 8192;
    private static final String LIMIT = "64k";
    private static final Duration DEADLINE = Duration.ofSeconds(180);
    private static final String BLOCKS_USED = "lmi_kv_cache_blocks_used";
    private static final String ABORTS = "lmi_slow_client_aborts_total";
    private static final String CLIENT_CLOSED = "status=\"499\"";

    @Override
    TestServer start(Path work) {
        return TestServer.start(longContextTinyLlama(work.resolve("tiny-llama")), "--option.kv_cache_bytes", "16m",
                "--max_stream_buffer_bytes", LIMIT);
    }

    /** tiny-llama's files, linked, with {@code max_position_embeddings} raised to {@link #POSITIONS}. */
    private static Path longContextTinyLlama(Path dir) {
        try (Stream<Path> files = Files.list(TestServer.tinyLlama())) {
            Files.createDirectories(dir);
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals("config.json")) {
                    Files.createSymbolicLink(dir.resolve(file.getFileName()), file);
                }
            }
            ObjectNode config = (ObjectNode) TestServer.JSON.readTree(TestServer.tinyLlama().resolve("config.json")
                    .toFile());
            config.put("max_position_embeddings", POSITIONS);
            TestServer.JSON.writeValue(dir.resolve("config.json").toFile(), config);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aStreamItsClientDoesNotReadIsStoppedWhileOtherRequestsGetTheirOutput() {
        double idle = server.metric(BLOCKS_USED);
        double abortsBefore = server.metric(ABORTS);
        double closedBefore = server.metric("lmi_requests_total", CLIENT_CLOSED);
        String slow = Requests.greedyInvocation("Tell me everything.", POSITIONS - 192, true,
                "\"ignore_eos\": true, \"details\": true, \"top_n_tokens\": 20");

        try (RawHttpConnection client = RawHttpConnection.open(server.port(), 1024)) {
            client.post("/invocations", slow);
            TestServer.await("the unread stream to run", DEADLINE, () -> server.metric("lmi_requests_running"),
                    running -> running >= 1);

            List<Golden> cases = Golden.cases();
            for (Golden golden : cases) {
                String text = server.postOk("/v1/completions",
                        Requests.greedyCompletion(golden.promptIds(), golden.outputIds().length, ""))
                        .path("choices").path(0).path("text").asText();
                assertEquals(golden.outputText(), text, golden.prompt());
            }

            TestServer.await("the unread stream to be stopped", DEADLINE, () -> server.metric(ABORTS),
                    aborts -> aborts > abortsBefore);
            assertEquals(abortsBefore + 1, server.metric(ABORTS));
            assertEquals(closedBefore + 1, server.metric("lmi_requests_total", CLIENT_CLOSED));
            TestServer.await("blocks back to their idle count " + idle, DEADLINE, () -> server.metric(BLOCKS_USED),
                    used -> used == idle);
            assertEquals(0, server.metric("lmi_requests_running"));

            // What the kernel held still arrives, then the server's close: the stream has no last line.
            String received = client.readToEnd();
            assertTrue(received.startsWith("HTTP/1.1 200 "), received.substring(0, Math.min(200, received.length())));
            assertTrue(received.contains("\"top_tokens\""), "events went out before the client stopped reading");
            assertFalse(received.contains("\"generated_text\""), "the stream was cut before its last line");
        }

        Golden golden = Golden.cases().get(0);
        String after = server.postOk("/v1/completions",
                Requests.greedyCompletion(golden.promptIds(), golden.outputIds().length, ""))
                .path("choices").path(0).path("text").asText();
        assertEquals(golden.outputText(), after);
    }
}
