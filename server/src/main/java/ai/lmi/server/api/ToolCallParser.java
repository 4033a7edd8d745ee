package ai.lmi.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a chat reply as tool calls. A named tool choice's reply is that function's arguments. Otherwise a reply is
 * tool calls when, after an optional {@code [TOOL_CALLS]} marker (Mistral's), it is one JSON object or a list of
 * them, each {@code {"name": <a tool's name>, "arguments" | "parameters": {...}}}: the shape the constrained
 * {@code "required"} choice writes and that JSON-calling models (Llama 3.1, Hermes, Mistral) emit. Anything else is
 * text.
 */
final class ToolCallParser {

    private static final String MISTRAL_MARKER = "[TOOL_CALLS]";

    private ToolCallParser() {
    }

    static Optional<List<ToolCall>> parse(String text, ChatTools tools) {
        ToolCallMode mode = tools.mode();
        if (mode.kind() == ToolCallMode.Kind.NONE) {
            return Optional.empty();
        }
        if (mode.kind() == ToolCallMode.Kind.NAMED) {
            // The arguments as written, so that the streamed pieces add up to them.
            String arguments = text.strip();
            return read(arguments).filter(JsonNode::isObject)
                    .map(parsed -> List.of(ToolCall.of(mode.function(), arguments)));
        }
        String body = text.strip();
        if (body.startsWith(MISTRAL_MARKER)) {
            body = body.substring(MISTRAL_MARKER.length()).strip();
        }
        Optional<JsonNode> parsed = read(body);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        JsonNode node = parsed.get();
        List<JsonNode> entries = new ArrayList<>();
        if (node.isArray() && !node.isEmpty()) {
            node.forEach(entries::add);
        } else if (node.isObject()) {
            entries.add(node);
        } else {
            return Optional.empty();
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode entry : entries) {
            Optional<ToolCall> call = call(entry, tools.names());
            if (call.isEmpty()) {
                return Optional.empty();
            }
            calls.add(call.get());
        }
        return Optional.of(List.copyOf(calls));
    }

    /** Whether a reply that begins with {@code prefix} may still turn out to be tool calls (a stream holds it back). */
    static boolean mayBeCalls(String prefix, ChatTools tools) {
        return switch (tools.mode().kind()) {
            case NONE -> false;
            case NAMED, REQUIRED -> true;
            case AUTO -> {
                String start = prefix.stripLeading();
                yield start.isEmpty() || start.startsWith("{") || start.startsWith("[")
                        || MISTRAL_MARKER.startsWith(start) || start.startsWith(MISTRAL_MARKER);
            }
        };
    }

    private static Optional<ToolCall> call(JsonNode entry, List<String> names) {
        if (!entry.isObject() || entry.size() != 2) {
            return Optional.empty();
        }
        JsonNode name = entry.get("name");
        JsonNode arguments = entry.has("arguments") ? entry.get("arguments") : entry.get("parameters");
        if (name == null || !name.isTextual() || !names.contains(name.textValue()) || arguments == null) {
            return Optional.empty();
        }
        if (arguments.isTextual()) {
            arguments = read(arguments.textValue()).orElse(null);
        }
        if (arguments == null || !arguments.isObject()) {
            return Optional.empty();
        }
        return Optional.of(ToolCall.of(name.textValue(), Json.write(arguments)));
    }

    private static Optional<JsonNode> read(String text) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(Json.MAPPER.readTree(text));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
