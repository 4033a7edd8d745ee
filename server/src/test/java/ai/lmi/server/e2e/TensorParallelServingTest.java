package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code option.tensor_parallel_degree=2} over real HTTP: tiny-llama split over two worker processes answers
 * every greedy request with exactly the tokens and text one process gives, alone and batched together, and the
 * management API says how many ranks serve it.
 */
class TensorParallelServingTest {

    private static final List<String> PROMPTS = List.of("The capital of France is",
            "Once upon a time, in a land far away,", "def fibonacci(n):");

    @Test
    void twoRanksGiveExactlyTheGreedyTokensOfOne() {
        List<String> oneRank;
        try (TestServer server = TestServer.tinyLlamaServer()) {
            assertEquals(1, describe(server).path("tensor_parallel_degree").asInt());
            oneRank = completions(server);
        }
        try (TestServer server = TestServer.start(TestServer.tinyLlama(), "--option.kv_cache_bytes", "16m",
                "--option.tensor_parallel_degree", "2")) {
            JsonNode description = describe(server);
            assertEquals(2, description.path("tensor_parallel_degree").asInt());
            assertEquals(2, description.path("config").path("option.tensor_parallel_degree").path("value").asInt());
            assertEquals(2, WorkerProcesses.all().size(), "one worker process per rank");
            assertEquals(oneRank, completions(server));
        }
    }

    /**
     * Each golden prompt's and each text prompt's greedy completion as its token ids and text, sent one at a time
     * and then all at once (batched into the same steps).
     */
    private static List<String> completions(TestServer server) {
        List<String> bodies = new ArrayList<>();
        for (Golden golden : Golden.cases()) {
            bodies.add(Requests.greedyCompletion(golden.promptIds(), 48, "\"logprobs\": 1, "
                    + "\"return_tokens_as_token_ids\": true, \"ignore_eos\": true"));
        }
        for (String prompt : PROMPTS) {
            bodies.add("{\"prompt\": " + TestServer.JSON.valueToTree(prompt) + ", \"max_tokens\": 48, "
                    + "\"temperature\": 0, \"logprobs\": 1, \"return_tokens_as_token_ids\": true}");
        }
        List<String> answers = new ArrayList<>();
        for (String body : bodies) {
            answers.add(tokensAndText(server.postOk("/v1/completions", body)));
        }
        List<CompletableFuture<HttpResponse<String>>> together = bodies.stream()
                .map(body -> server.postAsync("/v1/completions", body)).toList();
        for (CompletableFuture<HttpResponse<String>> answer : together) {
            HttpResponse<String> response = answer.join();
            assertEquals(200, response.statusCode(), response.body());
            answers.add(tokensAndText(TestServer.json(response.body())));
        }
        return answers;
    }

    private static String tokensAndText(JsonNode completion) {
        JsonNode choice = completion.path("choices").path(0);
        return choice.path("logprobs").path("tokens") + " " + choice.path("text");
    }

    private static JsonNode describe(TestServer server) {
        HttpResponse<String> response = server.getManagement("/models/tiny-llama");
        assertEquals(200, response.statusCode(), response.body());
        return TestServer.json(response.body());
    }
}
