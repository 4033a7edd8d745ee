package ai.lmi.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Server-sent event framing as the OpenAI streaming API uses it: {@code data: <json>} events, then {@code [DONE]}. */
final class ServerSentEvents {

    static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
    static final String DONE = "data: [DONE]\n\n";

    private ServerSentEvents() {}

    static String data(JsonNode event) {
        return "data: " + Json.write(event) + "\n\n";
    }
}
