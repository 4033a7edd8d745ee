package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** 32 greedy requests of mixed prompt lengths and max_tokens, sent at once, each return what they return alone. */
class ConcurrentRequestsTest extends TinyLlamaServerTest {

    private static final int REQUESTS = 32;

    @Test
    void concurrentGreedyRequestsEachReturnWhatTheyReturnAlone() {
        List<String> bodies = mixedRequests();
        List<JsonNode> alone = new ArrayList<>();
        for (String body : bodies) {
            alone.add(server.postOk("/v1/completions", body).path("choices").path(0));
        }

        List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
        for (String body : bodies) {
            together.add(server.postAsync("/v1/completions", body));
        }
        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<String> response = together.get(i).join();
            assertEquals(200, response.statusCode(), response.body());
            JsonNode choice = TestServer.json(response.body()).path("choices").path(0);
            // Token ids, logprob-free so that batching's rounding cannot matter; then the text and the ending.
            assertEquals(alone.get(i).path("logprobs").path("tokens"), choice.path("logprobs").path("tokens"),
                    "request " + i + ": " + bodies.get(i));
            assertEquals(alone.get(i).path("text"), choice.path("text"), "request " + i);
            assertEquals(alone.get(i).path("finish_reason"), choice.path("finish_reason"), "request " + i);
        }
    }

    /** Token-id prompts of 2 to 200 tokens with 1 to 64 new tokens, some run past EOS. */
    private static List<String> mixedRequests() {
        Random random = new Random(20261127);
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            int[] prompt = new int[2 + random.nextInt(199)];
            prompt[0] = 1;
            for (int j = 1; j < prompt.length; j++) {
                prompt[j] = 3 + random.nextInt(31997);
            }
            int maxTokens = 1 + random.nextInt(64);
            String extra = "\"logprobs\": 0, \"return_tokens_as_token_ids\": true"
                    + (i % 3 == 0 ? ", \"ignore_eos\": true" : "");
            bodies.add(Requests.greedyCompletion(prompt, maxTokens, extra));
        }
        return bodies;
    }
}
