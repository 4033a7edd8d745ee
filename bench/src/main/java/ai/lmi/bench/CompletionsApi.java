package ai.lmi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * OpenAI {@code POST /v1/completions} with {@code stream} and usage: server-sent events {@code data: {json}}
 * ending with {@code data: [DONE]}. Each chunk with text counts as one token arrival; the final usage chunk's
 * {@code completion_tokens}, when there is one, is the output token count, since a chunk may carry several.
 */
final class CompletionsApi implements StreamingApi {

    private static final String DATA = "data:";
    private static final String DONE = "[DONE]";

    private final List<String> models;
    private final AtomicInteger sent = new AtomicInteger();
    private final double temperature;
    private final boolean ignoreEos;
    private final ExtraBody extraBody;

    /** @param models what requests name as their {@code model}, in turn (a base model and its LoRA adapters) */
    CompletionsApi(List<String> models, double temperature, boolean ignoreEos, ExtraBody extraBody) {
        this.models = List.copyOf(models);
        this.temperature = temperature;
        this.ignoreEos = ignoreEos;
        this.extraBody = extraBody;
    }

    @Override
    public String path() {
        return "/v1/completions";
    }

    @Override
    public String requestBody(BenchRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", models.get(Math.floorMod(sent.getAndIncrement(), models.size())));
        Prompt prompt = request.prompt();
        if (prompt.tokenIds() != null) {
            ArrayNode ids = body.putArray("prompt");
            for (int id : prompt.tokenIds()) {
                ids.add(id);
            }
        } else {
            body.put("prompt", prompt.text());
        }
        body.put("max_tokens", request.maxTokens());
        body.put("temperature", temperature);
        if (ignoreEos) {
            body.put("ignore_eos", true);
        }
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        extraBody.addTo(body);
        return body.toString();
    }

    @Override
    public void onLine(String line, long arrivalNanos, StreamRecorder recorder) {
        // Blank lines separate events; comments and other fields carry no tokens.
        if (!line.startsWith(DATA)) {
            return;
        }
        String data = line.substring(DATA.length()).strip();
        if (data.equals(DONE)) {
            recorder.end();
            return;
        }
        JsonNode chunk;
        try {
            chunk = Json.MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            recorder.fail(new RequestError(RequestError.STREAM_ERROR, "unreadable event: " + data));
            return;
        }
        JsonNode error = chunk.path("error");
        if (!error.isMissingNode() && !error.isNull()) {
            recorder.fail(new RequestError(RequestError.STREAM_ERROR, ErrorMessages.of(error)));
            return;
        }
        JsonNode choice = chunk.path("choices").path(0);
        if (!choice.path("text").asText("").isEmpty() || !choice.path("token_ids").isEmpty()) {
            recorder.token(arrivalNanos);
        }
        JsonNode usage = chunk.path("usage");
        if (usage.isObject()) {
            recorder.usage(usage.path("prompt_tokens").asInt(-1), usage.path("completion_tokens").asInt(-1));
        }
    }

    @Override
    public String endMarker() {
        return "data: [DONE]";
    }
}
