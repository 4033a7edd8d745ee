package ai.lmi.server.e2e;

import static ai.lmi.server.e2e.ErrorResponses.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lmi.engines.embedding.MiniLmExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad embedding requests to a real server of all-MiniLM-L6-v2 get 400 (or 404) in the error format, the message
 * naming the field; inputs over max_model_len are refused unless option.truncate is on; generation routes answer
 * 400 naming the task.
 */
class MalformedEmbeddingRequestsTest extends MiniLmServerTest {

    /** Path, body, expected status, and what the message must contain. */
    static Stream<Arguments> malformedPosts() {
        String openAi = "/v1/embeddings";
        String invocations = "/invocations";
        String tokenIds = "must be a string (token-id input is not supported; send text)";
        return Stream.of(
                bad(openAi, "{\"input\": ", 400, "not valid JSON"),
                bad(openAi, "{}", 400, "input is required"),
                bad(openAi, "{\"input\": null}", 400, "input is required"),
                bad(openAi, "{\"input\": \"\"}", 400, "input must not be empty"),
                bad(openAi, "{\"input\": []}", 400, "input must not be an empty list"),
                bad(openAi, "{\"input\": [" + "\"hi\", ".repeat(2048) + "\"hi\"]}", 400,
                        "input has 2049 texts; at most 2048 may go in one request"),
                bad(openAi, "{\"input\": 5}", 400, "input must be a string or a list of strings, got 5"),
                bad(openAi, "{\"input\": {\"text\": \"hi\"}}", 400, "input must be a string or a list of strings"),
                bad(openAi, "{\"input\": [\"hi\", 5]}", 400, "input[1] " + tokenIds + ", got 5"),
                bad(openAi, "{\"input\": [\"hi\", \"\"]}", 400, "input[1] must not be empty"),
                bad(openAi, "{\"input\": [101, 7592, 102]}", 400, "input[0] " + tokenIds),
                bad(openAi, "{\"input\": [[101, 7592, 102]]}", 400, "input[0] " + tokenIds),
                bad(openAi, "{\"input\": \"hi\", \"encoding_format\": \"binary\"}", 400,
                        "encoding_format must be \"float\" or \"base64\", got \"binary\""),
                bad(openAi, "{\"input\": \"hi\", \"dimensions\": 128}", 400, "dimensions must be 384"),
                bad(openAi, "{\"input\": \"hi\", \"dimensions\": \"all\"}", 400, "dimensions must be an integer"),
                bad(openAi, "{\"input\": \"hi\", \"encoding\": \"base64\"}", 400,
                        "encoding is not a field of an embeddings request; its fields are dimensions, "),
                bad(invocations, "{\"inputs\": \"hi\", \"parameters\": {\"truncate\": true}}", 400,
                        "parameters is not supported yet (an embedding model takes no parameters)"),
                bad(invocations, "{\"parameters\": {}}", 400, "inputs is required"),
                bad(invocations, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400,
                        "inputs is required"),
                bad(invocations, "{\"inputs\": 5}", 400, "inputs must be a string or a list of strings"),
                bad(invocations, "{\"inputs\": [\"hi\", null]}", 400, "inputs[1] must be a string, got null"),
                bad(invocations, "{\"inputs\": \"hi\", \"stream\": true}", 400,
                        "stream must be false for an embedding model"),
                bad(invocations, "{\"inputs\": \"hi\", \"stream\": \"no\"}", 400, "stream must be a boolean"),
                bad("/predictions/not-this-model", "{\"inputs\": \"hi\"}", 404, "not-this-model"),
                bad("/v1/completions", "{\"prompt\": \"hi\"}", 400, "model all-MiniLM-L6-v2 does not support the "
                        + "Completions API: it serves option.task=text-embedding, and /v1/completions needs "
                        + "option.task=text-generation"),
                bad("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400,
                        "does not support the Chat Completions API: it serves option.task=text-embedding"));
    }

    private static Arguments bad(String path, String body, int status, String message) {
        return Arguments.of(path, body, status, message);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("malformedPosts")
    void malformedPostGetsItsStatusAndAMessageNamingTheField(String path, String body, int status, String message) {
        assertError(server.post(path, body), status, message);
    }

    @Test
    void inputOverMaxModelLenIsRefusedNamingItsIndexAndTheWayOut() {
        String tooLong = MiniLm.hellos(MiniLm.MAX_MODEL_LEN);

        assertError(server.post("/v1/embeddings", "{\"input\": [\"hi\", \"" + tooLong + "\"]}"), 400,
                "input[1] has 258 tokens, more than max_model_len 256; shorten it or set option.truncate=true");
        assertError(server.post("/invocations", "{\"inputs\": \"" + tooLong + "\"}"), 400,
                "inputs has 258 tokens, more than max_model_len 256");
        server.postOk("/v1/embeddings", "{\"input\": \"" + MiniLm.hellos(MiniLm.MAX_MODEL_LEN - 2) + "\"}");
    }

    @Test
    void withTruncateTheInputIsCutToMaxModelLen() {
        try (TestServer truncating = MiniLm.serve(work.resolve("truncating"), "--option.truncate", "true")) {
            JsonNode response = truncating.postOk("/v1/embeddings",
                    "{\"input\": \"" + MiniLm.hellos(2 * MiniLm.MAX_MODEL_LEN) + "\"}");

            assertEquals(MiniLm.DIMENSION, response.get("data").get(0).get("embedding").size());
            assertEquals(MiniLm.MAX_MODEL_LEN, response.get("usage").get("prompt_tokens").asInt());
        }
    }

    @Test
    void withATokenizerThatAddsNoSpecialTokensATextOfNoTokensIsRefusedNamingIt() throws IOException {
        // As GPT-2- and Qwen2-style tokenizers of last-token-pooled embedding models do; before, such a model did not
        // even load, its start-up forward pass of "" pooling zero tokens.
        Path model = MiniLmExample.layOut(work.resolve("no-special-tokens"));
        File tokenizerJson = model.resolve("tokenizer.json").toFile();
        ObjectNode tokenizer = (ObjectNode) TestServer.JSON.readTree(tokenizerJson);
        tokenizer.putNull("post_processor");
        TestServer.JSON.writeValue(tokenizerJson, tokenizer);

        try (TestServer lastToken = TestServer.start(model, "--option.pooling", "last")) {
            assertError(lastToken.post("/v1/embeddings", "{\"input\": [\"hello\", \" \\t \"]}"), 400,
                    "input[1] has no tokens: the model's tokenizer keeps none of its characters and adds no special "
                            + "tokens");
            assertError(lastToken.post("/invocations", "{\"inputs\": \" \"}"), 400, "inputs has no tokens");

            JsonNode response = lastToken.postOk("/v1/embeddings", "{\"input\": [\"hello world\", \"hello\"]}");
            assertEquals(3, response.get("usage").get("prompt_tokens").asInt(), "hello world, hello: nothing added");
            assertEquals(MiniLm.DIMENSION, response.get("data").get(1).get("embedding").size());
        }
    }
}
