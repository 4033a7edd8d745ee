package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads a whole OpenAI event stream: {@code data: {json}} events, then {@code data: [DONE]}. */
final class ServerSentEvents {

    static final String DONE = "data: [DONE]";

    private ServerSentEvents() {}

    /** The JSON of every event before {@code [DONE]}; fails unless the stream ends with exactly one {@code [DONE]}. */
    static List<JsonNode> parse(String stream) {
        assertTrue(stream.endsWith(DONE + "\n\n"), () -> "the stream must end with " + DONE + ": " + stream);
        String[] events = stream.split("\n\n");
        List<JsonNode> parsed = new ArrayList<>();
        for (int i = 0; i < events.length - 1; i++) {
            assertTrue(events[i].startsWith("data: {"), events[i]);
            parsed.add(TestServer.json(events[i].substring("data: ".length())));
        }
        assertEquals(DONE, events[events.length - 1]);
        return parsed;
    }
}
