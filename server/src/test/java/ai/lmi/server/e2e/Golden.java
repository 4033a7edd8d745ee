package ai.lmi.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** A reference generation of tiny-llama from {@code golden.json}: greedy tokens, their text and top-5 logprobs. */
record Golden(String prompt, int[] promptIds, int[] outputIds, String outputText, JsonNode steps) {

    static List<Golden> cases() {
        JsonNode root;
        try {
            root = TestServer.JSON.readTree(TestServer.tinyLlama().resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Golden> cases = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            cases.add(new Golden(c.get("prompt").asText(), ints(c.get("prompt_ids")), ints(c.get("output_ids")),
                    c.get("output_text").asText(), c.get("steps")));
        }
        return cases;
    }

    /** The top candidates of generation step {@code step}, best first: {@code [{"id", "logprob"}, ...]}. */
    JsonNode top(int step) {
        return steps.get(step).get("top");
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
