package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntFunction;

/** The chat API's {@code logprobs}: {@code {"content": [{token, logprob, bytes, top_logprobs: [...]}]}}. */
final class ChatLogprobs {

    private ChatLogprobs() {}

    static ObjectNode of(List<GeneratedToken> tokens, IntFunction<String> tokenText) {
        ObjectNode logprobs = Json.object();
        ArrayNode content = logprobs.putArray("content");
        for (GeneratedToken token : tokens) {
            ObjectNode entry = entry(tokenText.apply(token.id()), token.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            token.top().forEach(candidate -> top.add(entry(candidate.text(), candidate.logprob())));
            content.add(entry);
        }
        return logprobs;
    }

    private static ObjectNode entry(String text, float logprob) {
        ObjectNode entry = Json.object();
        entry.put("token", text);
        entry.set("logprob", Json.logprob(logprob));
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        return entry;
    }
}
