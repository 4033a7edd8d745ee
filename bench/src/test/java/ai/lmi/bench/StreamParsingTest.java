package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two streaming formats, line by line, as the LMI server writes them. */
class StreamParsingTest {

    private static final Prompt PROMPT = Prompt.ids(new int[] {1, 5, 6});

    @Test
    void completionsCountTextChunksAndTakeTheUsageCount() {
        CompletionsApi api = new CompletionsApi(List.of("m"), 0, true, ExtraBody.NONE);
        StreamRecorder recorder = new StreamRecorder(0, 3, api.endMarker());
        String[] lines = {
            "data: {\"choices\":[{\"index\":0,\"text\":\"Hel\",\"finish_reason\":null}],\"usage\":null}", "",
            "data: {\"choices\":[{\"index\":0,\"text\":\"lo there\",\"finish_reason\":null}],\"usage\":null}", "",
            "data: {\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}],\"usage\":null}", "",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":3,\"total_tokens\":7}}", "",
            "data: [DONE]", ""
        };
        for (int i = 0; i < lines.length; i++) {
            api.onLine(lines[i], 10 * (i + 1), recorder);
        }
        RequestRecord record = recorder.finish(100);
        assertNull(record.error());
        assertArrayEquals(new long[] {10, 30}, record.arrivalNanos());
        assertEquals(3, record.outputTokens());
        assertEquals(4, record.inputTokens());
    }

    @Test
    void completionsInBandErrorFailsTheRequestWithItsMessage() {
        CompletionsApi api = new CompletionsApi(List.of("m"), 0, false, ExtraBody.NONE);
        StreamRecorder recorder = new StreamRecorder(0, 3, api.endMarker());
        api.onLine("data: {\"choices\":[{\"index\":0,\"text\":\"a\"}]}", 5, recorder);
        api.onLine("data: {\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"error\"}],"
                + "\"error\":{\"message\":\"the worker died\",\"type\":\"InternalServerError\",\"code\":500}}", 6,
                recorder);
        api.onLine("data: [DONE]", 7, recorder);
        assertEquals(new RequestError("stream_error", "the worker died"), recorder.finish(8).error());
    }

    @Test
    void completionsWithoutDoneAreTruncated() {
        CompletionsApi api = new CompletionsApi(List.of("m"), 0, false, ExtraBody.NONE);
        StreamRecorder recorder = new StreamRecorder(0, 3, api.endMarker());
        api.onLine("data: {\"choices\":[{\"index\":0,\"text\":\"a\"}]}", 5, recorder);
        assertEquals(new RequestError("truncated_stream", "the stream ended before data: [DONE]"),
                recorder.finish(8).error());
    }

    @Test
    void invocationsCountTokenLinesAndTakeTheDetailsCount() {
        InvocationsApi api = new InvocationsApi(0, true);
        StreamRecorder recorder = new StreamRecorder(0, 7, api.endMarker());
        api.onLine("{\"token\":{\"id\":450,\"text\":\" The\",\"log_prob\":-0.5}}", 11, recorder);
        api.onLine("{\"token\":{\"id\":29871,\"text\":\"\",\"log_prob\":-0.1}}", 12, recorder);
        api.onLine("{\"token\":{\"id\":2,\"text\":\"\",\"log_prob\":-1.0,\"special_token\":true},"
                + "\"generated_text\":\" The\",\"details\":{\"finish_reason\":\"eos_token\",\"generated_tokens\":3,"
                + "\"inputs\":\"x\"}}", 13, recorder);
        RequestRecord record = recorder.finish(20);
        assertNull(record.error());
        assertArrayEquals(new long[] {11, 12, 13}, record.arrivalNanos());
        assertEquals(3, record.outputTokens());
        assertEquals(7, record.inputTokens());
    }

    @Test
    void invocationsErrorLineFailsTheRequestAndItsPlaceholderIsNoToken() {
        InvocationsApi api = new InvocationsApi(0, false);
        StreamRecorder recorder = new StreamRecorder(0, 7, api.endMarker());
        api.onLine("{\"token\":{\"id\":450,\"text\":\" The\",\"log_prob\":-0.5}}", 11, recorder);
        api.onLine("{\"token\":{\"id\":-1,\"text\":\"\",\"log_prob\":-1,\"special_token\":true},"
                + "\"generated_text\":\" The\",\"details\":{\"finish_reason\":\"error\",\"generated_tokens\":1},"
                + "\"error\":\"the worker died\"}", 12, recorder);
        RequestRecord record = recorder.finish(20);
        assertEquals(new RequestError("stream_error", "the worker died"), record.error());
        assertArrayEquals(new long[] {11}, record.arrivalNanos());
    }

    @Test
    void requestBodiesFollowEachSchema() {
        BenchRequest request = new BenchRequest(PROMPT, 8);
        assertEquals("{\"model\":\"m\",\"prompt\":[1,5,6],\"max_tokens\":8,\"temperature\":0.0,\"ignore_eos\":true,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                new CompletionsApi(List.of("m"), 0, true, ExtraBody.NONE).requestBody(request));
        assertEquals("{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":8,\"do_sample\":false},\"stream\":true}",
                new InvocationsApi(0, false).requestBody(new BenchRequest(Prompt.text("Hi", 1), 8)));
    }

    @Test
    void extraBodyFieldsJoinEveryCompletionsRequest() throws Exception {
        ExtraBody extra = ExtraBody.parse("{\"guided_regex\": \"[a-z]+\", \"top_k\": 5}");
        CompletionsApi api = new CompletionsApi(List.of("m"), 0, false, extra);
        for (int i = 0; i < 2; i++) {
            JsonNode body = Json.MAPPER.readTree(api.requestBody(new BenchRequest(PROMPT, 8)));
            assertEquals("[a-z]+", body.path("guided_regex").asText());
            assertEquals(5, body.path("top_k").asInt());
            assertEquals(8, body.path("max_tokens").asInt());
        }
    }

    @Test
    void requestsNameTheGivenModelsInTurn() throws Exception {
        CompletionsApi api = new CompletionsApi(List.of("base", "a1", "a2"), 0, false, ExtraBody.NONE);
        List<String> named = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            named.add(Json.MAPPER.readTree(api.requestBody(new BenchRequest(PROMPT, 8))).path("model").asText());
        }
        assertEquals(List.of("base", "a1", "a2", "base"), named);
    }

    @Test
    void errorBodiesGiveTheirMessage() {
        assertEquals("max_tokens too large", ErrorMessages.fromBody(400,
                "{\"code\":400,\"type\":\"BadRequest\",\"message\":\"max_tokens too large\",\"error\":{}}"));
        assertEquals("no such model", ErrorMessages.fromBody(404, "{\"error\":{\"message\":\"no such model\"}}"));
        assertEquals("Bad Gateway", ErrorMessages.fromBody(502, "Bad Gateway\n"));
        assertEquals("HTTP 503 with an empty body", ErrorMessages.fromBody(503, ""));
    }
}
