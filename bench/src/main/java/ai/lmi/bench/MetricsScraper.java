package ai.lmi.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** Reads the server's Prometheus {@code /metrics}; a server without them answers empty, with the reason kept. */
final class MetricsScraper {

    private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client;
    private final URI metricsUrl;
    private final ApiKey apiKey;
    private String problem = "";

    MetricsScraper(HttpClient client, URI baseUrl, ApiKey apiKey) {
        this.client = client;
        this.metricsUrl = URI.create(baseUrl + "/metrics");
        this.apiKey = apiKey;
    }

    URI url() {
        return metricsUrl;
    }

    /** The parsed metrics, or empty when the scrape failed; {@link #problem()} then says why. */
    Optional<PrometheusText> scrape() throws InterruptedException {
        HttpRequest request =
                apiKey.authorize(HttpRequest.newBuilder(metricsUrl)).timeout(SCRAPE_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return Optional.of(PrometheusText.parse(response.body()));
            }
            problem = "answered HTTP " + response.statusCode();
        } catch (IOException e) {
            problem = "failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Why the last scrape came back empty. */
    String problem() {
        return problem;
    }
}
