package ai.lmi.server.api;

import static ai.lmi.server.api.Bodies.assertJsonEquals;
import static ai.lmi.server.api.Bodies.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.lmi.engines.embedding.Embedding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two embedding schemas, parsed and rendered without a model: exact bodies for small vectors. */
class EmbeddingSchemasTest {

    private static final ServedEmbeddingModel MODEL = new ServedEmbeddingModel("minilm", 2);
    private static final List<Embedding> TWO = List.of(
            new Embedding(new float[] {0.6f, -0.8f}, 4), new Embedding(new float[] {1f, 0f}, 7));

    @Test
    void openAiFloatsWithIndexesAndSummedUsage() {
        PreparedEmbedding prepared = new OpenAiEmbeddingRequestParser()
                .parse(body("{\"input\": [\"a b\", \"c d e f g\"], \"user\": \"u\"}"), MODEL);

        assertEquals(List.of("a b", "c d e f g"), prepared.input().texts());
        assertJsonEquals("""
                {"object": "list",
                 "data": [{"object": "embedding", "index": 0, "embedding": [0.6, -0.8]},
                          {"object": "embedding", "index": 1, "embedding": [1.0, 0.0]}],
                 "model": "minilm",
                 "usage": {"prompt_tokens": 11, "total_tokens": 11}}""", prepared.renderer().render(TWO));
    }

    @Test
    void openAiBase64IsLittleEndianFloat32() {
        PreparedEmbedding prepared = new OpenAiEmbeddingRequestParser()
                .parse(body("{\"input\": \"a\", \"encoding_format\": \"base64\"}"), MODEL);

        // 1.0f is 00 00 80 3F little-endian, -2.0f is 00 00 00 C0.
        String encoded = prepared.renderer().render(List.of(new Embedding(new float[] {1f, -2f}, 3)))
                .get("data").get(0).get("embedding").asText();
        assertEquals("AACAPwAAAMA=", encoded);
    }

    @Test
    void openAiDimensionsMustBeTheModels() {
        new OpenAiEmbeddingRequestParser().parse(body("{\"input\": \"a\", \"dimensions\": 2}"), MODEL);

        ApiException e = assertThrows(ApiException.class, () -> new OpenAiEmbeddingRequestParser()
                .parse(body("{\"input\": \"a\", \"dimensions\": 1}"), MODEL));
        assertEquals("dimensions must be 2, the size of minilm's embeddings, which cannot be shortened; got 1",
                e.getMessage());
    }

    @Test
    void lmiStringIsOneVectorAndListIsVectors() {
        EmbeddingParser parser = new LmiEmbeddingRequestParser();

        PreparedEmbedding one = parser.parse(body("{\"inputs\": \"a\", \"parameters\": {}}"), MODEL);
        PreparedEmbedding list = parser.parse(body("{\"inputs\": [\"a\", \"b\"]}"), MODEL);

        assertJsonEquals("[0.6, -0.8]", one.renderer().render(TWO.subList(0, 1)));
        assertJsonEquals("[[0.6, -0.8], [1.0, 0.0]]", list.renderer().render(TWO));
    }

    @Test
    void errorsNameTheTextByItsField() {
        assertEquals("inputs", new LmiEmbeddingRequestParser().parse(body("{\"inputs\": \"a\"}"), MODEL)
                .input().fieldOf(0));
        assertEquals("input[3]", new OpenAiEmbeddingRequestParser().parse(body("{\"input\": [\"a\"]}"), MODEL)
                .input().fieldOf(3));
    }
}
