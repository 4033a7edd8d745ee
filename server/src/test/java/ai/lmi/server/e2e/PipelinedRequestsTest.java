package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Requests pipelined on one connection (sent before the previous response arrived) are answered one at a time, in
 * their order: a short one behind a long one waits for it, and two streams do not interleave.
 */
class PipelinedRequestsTest extends TinyLlamaServerTest {

    @Test
    void aShortRequestPipelinedBehindALongOneIsAnsweredAfterIt() {
        Golden golden = Golden.cases().get(0);
        String whole = Requests.greedyCompletion(golden.promptIds(), golden.outputIds().length, "");
        String shortOne = Requests.greedyCompletion(golden.promptIds(), 1, "");

        List<String> bodies = pipeline(whole, shortOne);

        assertEquals(golden.outputText(), TestServer.json(bodies.get(0)).path("choices").path(0).path("text").asText());
        assertEquals(1, TestServer.json(bodies.get(1)).path("usage").path("completion_tokens").asInt(), bodies.get(1));
    }

    @Test
    void twoPipelinedStreamsEachArriveWholeInTheirOrder() {
        List<Golden> cases = Golden.cases();
        Golden first = cases.get(0);
        Golden second = cases.get(1);
        List<String> bodies = pipeline(
                Requests.greedyCompletion(first.promptIds(), first.outputIds().length, "\"stream\": true"),
                Requests.greedyCompletion(second.promptIds(), second.outputIds().length, "\"stream\": true"));

        assertEquals(first.outputText(), streamedText(bodies.get(0)));
        assertEquals(second.outputText(), streamedText(bodies.get(1)));
    }

    /** Sends the bodies to /v1/completions in one write and returns the bodies of the responses, in order. */
    private List<String> pipeline(String... requests) {
        StringBuilder bytes = new StringBuilder();
        for (String body : requests) {
            bytes.append("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
                    .append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n\r\n").append(body);
        }
        try (RawHttpConnection client = RawHttpConnection.open(server.port())) {
            client.write(bytes.toString());
            String received = client.readUntil(text -> responses(text).size() == requests.length);
            List<String> bodies = responses(received);
            assertEquals(requests.length, bodies.size(), received);
            return bodies;
        }
    }

    private static String streamedText(String events) {
        StringBuilder text = new StringBuilder();
        ServerSentEvents.parse(events).forEach(event -> text.append(event.path("choices").path(0).path("text")
                .asText()));
        return text.toString();
    }

    /**
     * The bodies of the complete 200 responses in {@code received}: a Content-Length body, or a chunked one
     * decoded (each chunk is one whole event, so no character spans two).
     */
    private static List<String> responses(String received) {
        List<String> bodies = new ArrayList<>();
        byte[] all = received.getBytes(StandardCharsets.UTF_8);
        int at = 0;
        while (true) {
            int headEnd = indexOf(all, "\r\n\r\n", at);
            if (headEnd < 0) {
                return bodies;
            }
            String head = new String(all, at, headEnd - at, StandardCharsets.US_ASCII).toLowerCase();
            assertTrue(head.startsWith("http/1.1 200 "), head);
            int bodyStart = headEnd + 4;
            if (head.contains("transfer-encoding: chunked")) {
                StringBuilder body = new StringBuilder();
                int chunk = bodyStart;
                while (true) {
                    int sizeEnd = indexOf(all, "\r\n", chunk);
                    if (sizeEnd < 0) {
                        return bodies;
                    }
                    int size = Integer.parseInt(new String(all, chunk, sizeEnd - chunk, StandardCharsets.US_ASCII), 16);
                    if (sizeEnd + 2 + size + 2 > all.length) {
                        return bodies;
                    }
                    body.append(new String(all, sizeEnd + 2, size, StandardCharsets.UTF_8));
                    chunk = sizeEnd + 2 + size + 2;
                    if (size == 0) {
                        break;
                    }
                }
                bodies.add(body.toString());
                at = chunk;
            } else {
                String length = head.substring(head.indexOf("content-length: ") + "content-length: ".length());
                int size = Integer.parseInt(length.split("\r\n")[0].trim());
                if (bodyStart + size > all.length) {
                    return bodies;
                }
                bodies.add(new String(all, bodyStart, size, StandardCharsets.UTF_8));
                at = bodyStart + size;
            }
        }
    }

    private static int indexOf(byte[] bytes, String what, int from) {
        byte[] needle = what.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = from; i <= bytes.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
