package ai.lmi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The LMI schema, {@code POST /invocations} with {@code stream}: one JSON line per token,
 * {@code {"token": {"id", "text", ...}}}, the last adding {@code generated_text} and {@code details}. A
 * {@code data:} prefix, as text-generation-inference sends, is tolerated.
 */
final class InvocationsApi implements StreamingApi {

    private static final String DATA = "data:";

    private final double temperature;
    private final boolean ignoreEos;

    InvocationsApi(double temperature, boolean ignoreEos) {
        this.temperature = temperature;
        this.ignoreEos = ignoreEos;
    }

    @Override
    public String path() {
        return "/invocations";
    }

    @Override
    public String requestBody(BenchRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("inputs", request.prompt().text());
        ObjectNode parameters = body.putObject("parameters");
        parameters.put("max_new_tokens", request.maxTokens());
        if (ignoreEos) {
            parameters.put("ignore_eos", true);
        }
        if (temperature > 0) {
            parameters.put("do_sample", true);
            parameters.put("temperature", temperature);
        } else {
            parameters.put("do_sample", false);
        }
        body.put("stream", true);
        return body.toString();
    }

    @Override
    public void onLine(String line, long arrivalNanos, StreamRecorder recorder) {
        String json = line.startsWith(DATA) ? line.substring(DATA.length()).strip() : line.strip();
        if (json.isEmpty()) {
            return;
        }
        JsonNode chunk;
        try {
            chunk = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            recorder.fail(new RequestError(RequestError.STREAM_ERROR, "unreadable line: " + json));
            return;
        }
        JsonNode error = chunk.path("error");
        if (!error.isMissingNode() && !error.isNull()) {
            recorder.fail(new RequestError(RequestError.STREAM_ERROR, ErrorMessages.of(error)));
            return;
        }
        JsonNode token = chunk.path("token");
        if (token.isObject() && !isPlaceholder(token)) {
            recorder.token(arrivalNanos);
        }
        if (chunk.has("generated_text")) {
            recorder.usage(-1, chunk.path("details").path("generated_tokens").asInt(-1));
            recorder.end();
        }
    }

    /** LMI's stand-in token (id -1, special) on a last line that carries no real token. */
    private static boolean isPlaceholder(JsonNode token) {
        return token.path("id").asInt(0) == -1 && token.path("special_token").asBoolean(false);
    }

    @Override
    public String endMarker() {
        return "the line with generated_text";
    }
}
