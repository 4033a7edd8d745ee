package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The OpenAI embeddings schema: one sentence per request, one embedding in each 200 response. */
class EmbeddingsResponseTest {

    private static final EmbeddingsApi API = new EmbeddingsApi("all-MiniLM-L6-v2");

    @Test
    void theRequestCarriesTheModelAndOneSentence() {
        assertEquals("{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"the quick fox\"}",
                API.requestBody(new BenchRequest(Prompt.text("the quick fox", 3), 128)));
        assertEquals("/v1/embeddings", API.path());
    }

    @Test
    void oneEmbeddingCompletesTheRequestWithTheServersPromptCount() {
        RequestRecord record = read(7, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.25,-0.5,0.125]}],\"model\":\"all-MiniLM-L6-v2\","
                + "\"usage\":{\"prompt_tokens\":5,\"total_tokens\":5}}", 40);
        assertNull(record.error());
        assertArrayEquals(new long[] {40}, record.arrivalNanos());
        assertEquals(40e-6, record.e2elMs(), 1e-12);
        assertEquals(5, record.inputTokens());
        assertEquals(0, record.outputTokens());
        assertTrue(record.tpotMs().isEmpty());
        assertEquals(0, record.itlMs().length);
    }

    @Test
    void withoutUsageTheSentencesOwnCountStands() {
        RequestRecord record = read(7, "{\"data\":[{\"embedding\":[1.0]}]}", 40);
        assertNull(record.error());
        assertEquals(7, record.inputTokens());
    }

    @Test
    void aResponseWithoutExactlyOneEmbeddingFails() {
        for (String body : new String[] {
            "{\"data\":[]}",
            "{\"data\":[{\"embedding\":[1.0]},{\"embedding\":[2.0]}]}",
            "{\"data\":[{\"embedding\":\"AACAPw==\"}]}",
            "{\"data\":[{\"embedding\":[]}]}",
            "{\"error\":{\"message\":\"no model\"}}"}) {
            RequestError error = read(7, body, 40).error();
            assertEquals(RequestError.NO_EMBEDDING, error.kind(), body);
            assertEquals("the response has no single data[0].embedding array: " + body, error.message());
        }
        RequestError unreadable = read(7, "<html>oops</html>", 40).error();
        assertEquals(new RequestError(RequestError.NO_EMBEDDING, "unreadable response: <html>oops</html>"),
                unreadable);
    }

    private static RequestRecord read(int promptTokens, String body, long arrivalNanos) {
        StreamRecorder recorder = new StreamRecorder(0, promptTokens, API.endMarker());
        API.onBody(body, arrivalNanos, recorder);
        return recorder.finish(arrivalNanos + 1);
    }
}
