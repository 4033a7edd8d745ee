package ai.lmi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;

/**
 * OpenAI {@code POST /v1/embeddings} with one sentence as the {@code input}, answered whole:
 * {@code {"data": [{"embedding": [...]}], "usage": {"prompt_tokens": N}}}. The response's arrival is the
 * request's only timestamp; it generates no tokens.
 */
final class EmbeddingsApi implements ServerApi {

    private static final int MAX_QUOTED_LENGTH = 200;

    private final String model;

    EmbeddingsApi(String model) {
        this.model = model;
    }

    @Override
    public String path() {
        return "/v1/embeddings";
    }

    @Override
    public String requestBody(BenchRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", model);
        body.put("input", request.prompt().text());
        return body.toString();
    }

    @Override
    public BodySubscriber<Void> okBody(StreamRecorder recorder) {
        return BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), body -> {
            onBody(body, System.nanoTime(), recorder);
            return null;
        });
    }

    /** Reads a 200 response's whole body, which arrived at {@code arrivalNanos}: one embedding, or a failure. */
    void onBody(String body, long arrivalNanos, StreamRecorder recorder) {
        JsonNode response;
        try {
            response = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            recorder.fail(new RequestError(RequestError.NO_EMBEDDING, "unreadable response: " + quoted(body)));
            return;
        }
        JsonNode data = response.path("data");
        JsonNode embedding = data.path(0).path("embedding");
        if (data.size() != 1 || !embedding.isArray() || embedding.isEmpty()) {
            recorder.fail(new RequestError(RequestError.NO_EMBEDDING,
                    "the response has no single data[0].embedding array: " + quoted(body)));
            return;
        }
        recorder.token(arrivalNanos);
        recorder.usage(response.path("usage").path("prompt_tokens").asInt(-1), 0);
        recorder.end();
    }

    private static String quoted(String body) {
        String text = body.strip();
        return text.length() <= MAX_QUOTED_LENGTH ? text : text.substring(0, MAX_QUOTED_LENGTH) + "...";
    }

    @Override
    public String endMarker() {
        return "the end of the JSON response";
    }
}
