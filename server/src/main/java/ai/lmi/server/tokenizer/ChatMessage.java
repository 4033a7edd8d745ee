package ai.lmi.server.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a chat as a chat template sees it: a role ("system", "user", "assistant", "tool"), its text, and
 * the tool fields a template may read ({@code tool_calls}, {@code tool_call_id}, {@code name}).
 */
public record ChatMessage(String role, String content, Map<String, Object> toolFields) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolFields = Map.copyOf(toolFields);
    }

    /** A turn without tool fields. */
    public ChatMessage(String role, String content) {
        this(role, content, Map.of());
    }

    /** The form templates index into: {@code message['role']} or {@code message.content}. */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> value = new HashMap<>(toolFields);
        value.put("role", role);
        value.put("content", content);
        return value;
    }
}
