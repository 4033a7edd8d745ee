package ai.lmi.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Request bodies and response text as tests write and read them. */
final class Bodies {

    private Bodies() {}

    static FieldReader body(String json) {
        return FieldReader.parseBody(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts equal JSON, numbers compared by value (a long 5 equals an int 5). */
    static void assertJsonEquals(String expected, JsonNode actual) {
        Comparator<JsonNode> byValue = (a, b) -> a.equals(b)
                || (a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0) ? 0 : 1;
        if (!json(expected).equals(byValue, actual)) {
            assertEquals(json(expected).toPrettyString(), actual.toPrettyString());
        }
    }

    /** The JSON of every {@code data:} event of a server-sent event stream, {@code [DONE]} excluded. */
    static List<JsonNode> events(String stream) {
        List<JsonNode> events = new ArrayList<>();
        for (String event : stream.split("\n\n")) {
            if (!event.equals("data: [DONE]")) {
                events.add(json(event.substring("data: ".length())));
            }
        }
        return events;
    }
}
