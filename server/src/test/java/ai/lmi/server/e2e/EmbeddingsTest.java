package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A real server of all-MiniLM-L6-v2 and a real HTTP client: {@code /v1/embeddings} and {@code /invocations}, the
 * dynamic batcher under concurrent requests, and the routes every task answers. The task is not configured: the
 * model directory's serving.properties says text-embedding.
 */
class EmbeddingsTest extends MiniLmServerTest {

    private static final double TOLERANCE = 1e-5;

    @Test
    void openAiEmbeddingOfOneString() {
        // As for completions, the request's model is not checked: OpenAI clients send names of their own.
        JsonNode response = server.postOk("/v1/embeddings", "{\"model\": \"ada\", \"input\": \"hello world\"}");

        assertEquals("list", response.get("object").asText());
        assertEquals(MiniLm.NAME, response.get("model").asText());
        assertEquals(1, response.get("data").size());
        JsonNode entry = response.get("data").get(0);
        assertEquals("embedding", entry.get("object").asText());
        assertEquals(0, entry.get("index").asInt());
        float[] vector = MiniLm.vector(entry.get("embedding"));
        assertEquals(MiniLm.DIMENSION, vector.length);
        assertEquals(1.0, Math.sqrt(MiniLm.dot(vector, vector)), TOLERANCE, "option.normalize defaults to true");
        assertEquals(4, response.get("usage").get("prompt_tokens").asInt(), "[CLS] hello world [SEP]");
        assertEquals(4, response.get("usage").get("total_tokens").asInt());
    }

    @Test
    void openAiEmbeddingsOfAListComeInInputOrder() {
        List<String> texts = List.of("hello world", MiniLm.hellos(10), MiniLm.hellos(3));
        JsonNode response = server.postOk("/v1/embeddings", "{\"input\": " + TestServer.JSON.valueToTree(texts) + "}");

        JsonNode data = response.get("data");
        assertEquals(texts.size(), data.size());
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i, data.get(i).get("index").asInt());
            assertArrayEquals(alone(texts.get(i)), MiniLm.vector(data.get(i).get("embedding")), (float) TOLERANCE);
        }
        assertEquals(4 + 12 + 5, response.get("usage").get("prompt_tokens").asInt());
        assertEquals(4 + 12 + 5, response.get("usage").get("total_tokens").asInt());
    }

    @Test
    void base64IsTheLittleEndianFloat32BytesOfTheFloats() {
        JsonNode floats = server.postOk("/v1/embeddings", "{\"input\": \"hi\", \"encoding_format\": \"float\"}");
        JsonNode base64 = server.postOk("/v1/embeddings", "{\"input\": \"hi\", \"encoding_format\": \"base64\"}");

        String encoded = base64.get("data").get(0).get("embedding").asText();
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(decoded);
        assertArrayEquals(MiniLm.vector(floats.get("data").get(0).get("embedding")), decoded);
    }

    @Test
    void dimensionsEqualToTheModelsAreAccepted() {
        JsonNode response = server.postOk("/v1/embeddings", "{\"input\": \"hello\", \"dimensions\": 384}");

        assertEquals(MiniLm.DIMENSION, response.get("data").get(0).get("embedding").size());
    }

    @Test
    void invocationsAnswerAVectorForAStringAndAListOfVectorsForAList() {
        JsonNode one = server.postOk("/invocations", "{\"inputs\": \"hello world\", \"parameters\": {}}");
        JsonNode two = server.postOk("/invocations", "{\"inputs\": [\"hello world\", \"good morning\"]}");
        JsonNode predicted = server.postOk("/predictions/" + MiniLm.NAME, "{\"inputs\": \"hello world\"}");

        assertEquals(MiniLm.DIMENSION, one.size());
        assertArrayEquals(alone("hello world"), MiniLm.vector(one), (float) TOLERANCE);
        assertEquals(2, two.size());
        assertArrayEquals(MiniLm.vector(one), MiniLm.vector(two.get(0)), (float) TOLERANCE);
        assertArrayEquals(alone("good morning"), MiniLm.vector(two.get(1)), (float) TOLERANCE);
        assertArrayEquals(MiniLm.vector(one), MiniLm.vector(predicted), (float) TOLERANCE);
    }

    @Test
    void similarSentencesAreCloserThanUnrelatedOnes() {
        float[] food = alone("A man is eating food.");
        float[] bread = alone("A man is eating a piece of bread.");
        float[] drums = alone("A monkey is playing drums.");

        // Unit vectors: the dot product is the cosine.
        double related = MiniLm.dot(food, bread);
        double unrelated = MiniLm.dot(food, drums);
        assertTrue(related > unrelated + 0.3, "cosine " + related + " of related vs " + unrelated + " of unrelated");
    }

    @Test
    void concurrentRequestsOfMixedLengthsGetTheVectorsTheyGetAlone() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            texts.add("request " + i + ": " + "the quick brown fox jumps over the lazy dog ".repeat(1 + (i * 7) % 20));
        }
        List<float[]> expected = texts.stream().map(this::alone).toList();
        double batchedInputsBefore = server.metric("lmi_embedding_batch_size_sum");

        List<CompletableFuture<HttpResponse<String>>> responses = texts.stream()
                .map(text -> server.postAsync("/v1/embeddings", body(text)))
                .toList();

        for (int i = 0; i < texts.size(); i++) {
            HttpResponse<String> response = responses.get(i).join();
            assertEquals(200, response.statusCode(), response.body());
            float[] vector = MiniLm.vector(TestServer.json(response.body()).get("data").get(0).get("embedding"));
            assertArrayEquals(expected.get(i), vector, (float) TOLERANCE, "request " + i);
        }
        assertEquals(texts.size(), server.metric("lmi_embedding_batch_size_sum") - batchedInputsBefore,
                "every input ran in exactly one batch");
    }

    @Test
    void pingModelsAndMetricsAnswer() {
        assertEquals(200, server.get("/ping").statusCode());

        JsonNode models = TestServer.json(server.get("/v1/models").body());
        assertEquals(MiniLm.NAME, models.get("data").get(0).get("id").asText());
        assertEquals(MiniLm.MAX_MODEL_LEN, models.get("data").get(0).get("max_model_len").asInt());
        assertEquals(MiniLm.NAME, TestServer.json(server.getManagement("/models").body()).get("models").get(0)
                .get("modelName").asText());
        JsonNode described = TestServer.json(server.getManagement("/models/" + MiniLm.NAME).body());
        assertEquals("Healthy", described.get("status").asText());
        assertEquals("text-embedding", described.get("config").get("option.task").get("value").asText());

        server.postOk("/v1/embeddings", "{\"input\": \"hello\"}");
        assertTrue(server.metric("lmi_embedding_batch_size_count") >= 1);
        assertTrue(server.metric("lmi_embedding_batch_seconds_count") >= 1);
        assertTrue(server.metric("lmi_requests_total", "status=\"200\"") >= 1);
    }

    /** The text's vector when it is the only input of its request. */
    private float[] alone(String text) {
        JsonNode response = server.postOk("/v1/embeddings", body(text));
        return MiniLm.vector(response.get("data").get(0).get("embedding"));
    }

    private static String body(String input) {
        return "{\"input\": " + TestServer.JSON.valueToTree(input) + "}";
    }
}
