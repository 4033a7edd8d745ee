package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code request_read_timeout_s} and {@code keep_alive_timeout_s} over raw sockets: a request whose head or body
 * has not arrived within the read timeout of its first byte gets 408 and the connection closes, however steadily
 * it trickles; a connection with no request in progress is closed silently. The embedding server: no worker.
 */
class ConnectionTimeoutsTest extends MiniLmServerTest {

    private static final String REQUEST_TIMEOUT = "HTTP/1.1 408 ";
    private static final String HEAD_START = "POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\n";

    @Override
    TestServer start(Path work) {
        return MiniLm.serve(work, "--request_read_timeout_s", "1", "--keep_alive_timeout_s", "3");
    }

    @Test
    void aHeadThatStopsHalfWayGets408() {
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.write(HEAD_START);
            assertRequestTimeout(client.readToEnd());
        }
    }

    @Test
    void aBodyShorterThanItsContentLengthGets408() {
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.write(HEAD_START + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"input\": ");
            assertRequestTimeout(client.readToEnd());
        }
    }

    @Test
    void aHeadTrickledFasterThanTheTimeoutButLongerInAllGets408() throws InterruptedException {
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.write(HEAD_START);
            // A header line each 300 ms, until the server answers: each gap is well under the 1 s limit.
            for (int line = 0; line < 100 && !client.hasUnread(); line++) {
                Thread.sleep(300);
                client.write("X-Line-" + line + ": still coming\r\n");
            }
            assertRequestTimeout(client.readToEnd());
        }
    }

    @Test
    void aBodyThatDoesNotFollowItsContinueGets408() {
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.postHeadExpectingContinue("/v1/embeddings", 100);
            String received = client.readToEnd();
            String continued = "HTTP/1.1 100 Continue\r\n\r\n";
            assertTrue(received.startsWith(continued), received);
            assertRequestTimeout(received.substring(continued.length()));
        }
    }

    @Test
    void theReadTimeoutStartsWithARequestsFirstBytesNotWithTheIdleTimeBeforeThem() throws InterruptedException {
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.post("/v1/embeddings", "{\"input\": \"hello\"}");
            client.readUntil(text -> text.contains("total_tokens"));
            // Longer than request_read_timeout_s, shorter than keep_alive_timeout_s.
            Thread.sleep(1500);
            client.post("/v1/embeddings", "{\"input\": \"again\"}");
            String received = client.readUntil(text -> text.split("total_tokens", -1).length == 3);
            assertEquals(2, received.split("HTTP/1.1 200 ", -1).length - 1, received);
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAResponse() {
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            assertEquals("", client.readToEnd());
        }
    }

    @Test
    void anIdleConnectionAfterAnAnsweredRequestIsClosedWithoutAnotherResponse() {
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.post("/v1/embeddings", "{\"input\": \"hello\"}");
            String received = client.readToEnd();
            assertTrue(received.startsWith("HTTP/1.1 200 "), received);
            assertEquals(1, received.split("HTTP/1.1 ", -1).length - 1, "one response only: " + received);
        }
    }

    private static void assertRequestTimeout(String received) {
        assertTrue(received.startsWith(REQUEST_TIMEOUT), received);
        String head = received.substring(0, received.indexOf("\r\n\r\n")).toLowerCase();
        assertTrue(head.contains("connection: close"), head);
        assertTrue(head.contains("content-type: application/json"), head);
        JsonNode error = TestServer.json(received.substring(received.indexOf("\r\n\r\n") + 4));
        assertEquals(408, error.path("code").asInt(), received);
        assertEquals("RequestTimeout", error.path("type").asText(), received);
        assertTrue(error.path("message").asText().contains("request_read_timeout_s=1"), received);
    }
}
