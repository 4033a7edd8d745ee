package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Greedy {@code /v1/completions} over a real socket reproduces tiny-llama's golden tokens, text and top-5 logprobs. */
class GoldenCompletionsTest extends TinyLlamaServerTest {

    private static final double LOGPROB_TOLERANCE = 2e-3;

    @Test
    void everyGoldenCaseGivesItsTokensTextAndTopLogprobs() {
        List<Golden> cases = Golden.cases();
        assertFalse(cases.isEmpty(), "golden.json has no cases");
        for (int c = 0; c < cases.size(); c++) {
            Golden golden = cases.get(c);
            JsonNode choice = server.postOk("/v1/completions", Requests.greedyCompletion(golden.promptIds(),
                    golden.outputIds().length, "\"logprobs\": 5, \"return_tokens_as_token_ids\": true"))
                    .path("choices").path(0);
            String where = "case " + c;
            assertEquals(golden.outputText(), choice.path("text").asText(), where);
            assertEquals("length", choice.path("finish_reason").asText(), where);

            JsonNode logprobs = choice.path("logprobs");
            assertArrayEquals(golden.outputIds(), tokenIds(logprobs.path("tokens")), where);
            for (int step = 0; step < golden.outputIds().length; step++) {
                JsonNode top = logprobs.path("top_logprobs").path(step);
                JsonNode expected = golden.top(step);
                assertEquals(expected.size(), top.size(), where + " step " + step + ": " + top);
                for (JsonNode candidate : expected) {
                    String key = "token_id:" + candidate.get("id").asInt();
                    assertEquals(candidate.get("logprob").asDouble(), top.path(key).asDouble(Double.NaN),
                            LOGPROB_TOLERANCE, where + " step " + step + " candidate " + key + " in " + top);
                }
                assertEquals(expected.get(0).get("logprob").asDouble(), logprobs.path("token_logprobs").path(step)
                        .asDouble(Double.NaN), LOGPROB_TOLERANCE, where + " step " + step + " chosen token");
            }
        }
    }

    private static int[] tokenIds(JsonNode tokens) {
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            String token = tokens.get(i).asText();
            assertEquals("token_id:", token.substring(0, Math.min(token.length(), "token_id:".length())), token);
            ids[i] = Integer.parseInt(token.substring("token_id:".length()));
        }
        return ids;
    }
}
