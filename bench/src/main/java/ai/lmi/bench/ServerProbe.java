package ai.lmi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** What the benchmark asks the server before it starts: is it there at all, and which model it serves. */
final class ServerProbe {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static final int UNAUTHORIZED = 401;

    private final HttpClient client;
    private final URI baseUrl;
    private final ApiKey apiKey;

    ServerProbe(HttpClient client, URI baseUrl, ApiKey apiKey) {
        this.client = client;
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
    }

    /** GETs {@code path}; any HTTP answer proves the server is there. */
    HttpResponse<String> get(String path) throws BenchException, InterruptedException {
        HttpRequest request = apiKey.authorize(HttpRequest.newBuilder(URI.create(baseUrl + path)))
                .timeout(PROBE_TIMEOUT).GET().build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BenchException("cannot reach the server at " + baseUrl + ": GET " + path + " failed with "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /** The first model id of {@code GET /v1/models}. */
    String firstModelId() throws BenchException, InterruptedException {
        HttpResponse<String> response = get("/v1/models");
        if (response.statusCode() != 200) {
            String remedy = response.statusCode() != UNAUTHORIZED ? "give --model-name"
                    : apiKey.isPresent() ? "check --api-key" : "give the server's key with --api-key KEY";
            throw new BenchException("GET " + baseUrl + "/v1/models answered " + response.statusCode() + ": "
                    + ErrorMessages.fromBody(response.statusCode(), response.body()) + "; " + remedy);
        }
        try {
            JsonNode id = Json.MAPPER.readTree(response.body()).path("data").path(0).path("id");
            if (id.isTextual()) {
                return id.asText();
            }
        } catch (JsonProcessingException e) {
            // Reported below.
        }
        throw new BenchException("GET " + baseUrl + "/v1/models lists no model id; give --model-name");
    }
}
