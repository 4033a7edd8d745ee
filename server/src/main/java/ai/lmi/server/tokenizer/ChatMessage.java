package ai.lmi.server.tokenizer;

import java.util.Map;
import java.util.Objects;

/** One turn of a chat as a chat template sees it: a role ("system", "user", "assistant") and its text. */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** The form templates index into: {@code message['role']} or {@code message.content}. */
    Map<String, Object> toTemplateValue() {
        return Map.of("role", role, "content", content);
    }
}
