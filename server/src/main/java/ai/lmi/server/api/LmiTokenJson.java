package ai.lmi.server.api;

import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.PromptToken;
import ai.lmi.server.generation.TopLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The LMI schema's Token object, {@code {"id", "text", "log_prob"}}, for generated, prompt and candidate tokens. */
final class LmiTokenJson {

    private LmiTokenJson() {}

    static ObjectNode generated(GeneratedToken token) {
        ObjectNode json = token(token.id(), token.text(), token.logprob());
        if (token.special()) {
            json.put("special_token", true);
        }
        return json;
    }

    static ObjectNode prompt(PromptToken token) {
        return token(token.id(), token.text(), token.logprob());
    }

    static ArrayNode candidates(List<TopLogprob> top) {
        ArrayNode array = Json.array();
        top.forEach(candidate -> array.add(token(candidate.tokenId(), candidate.text(), candidate.logprob())));
        return array;
    }

    /** LMI's placeholder token on a line that carries no real token (an in-band error). */
    static ObjectNode placeholder() {
        ObjectNode json = Json.object();
        json.put("id", -1);
        json.put("text", "");
        json.put("log_prob", -1);
        json.put("special_token", true);
        return json;
    }

    private static ObjectNode token(int id, String text, float logprob) {
        ObjectNode json = Json.object();
        json.put("id", id);
        json.put("text", text);
        json.set("log_prob", Json.logprob(logprob));
        return json;
    }
}
