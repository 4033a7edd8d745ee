package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lmi.server.LmiServer;
import ai.lmi.server.api.TinyLlama;
import ai.lmi.server.config.ServingConfigLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;

/**
 * A real {@link LmiServer} on a free port, its management listener on another, with its real Python worker, and an
 * HTTP/1.1 client for it.
 */
final class TestServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A {@code management_address} on 127.0.0.1 and a free port, so that servers never contend for 8081. */
    static final String ANY_LOCAL_PORT = "http://127.0.0.1:0";
    /** Generous: a request waits for a worker restart at most; nothing here asserts on time. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final LmiServer server;
    private final int port;
    /** Sent with every request when not null, as {@code Authorization: Bearer}. */
    private final String apiKey;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private TestServer(LmiServer server, int port, String apiKey) {
        this.server = server;
        this.port = port;
        this.apiKey = apiKey;
    }

    static Path tinyLlama() {
        return Path.of(System.getProperty("lmi.testdata"), "tiny-llama");
    }

    /** tiny-llama's files linked into {@code dir}, its tokenizer_config.json copied with a chat template added. */
    static Path tinyLlamaWithChatTemplate(Path dir) {
        try {
            Files.createDirectories(dir);
            try (var files = Files.list(tinyLlama())) {
                for (Path file : files.toList()) {
                    if (!file.getFileName().toString().equals("tokenizer_config.json")) {
                        Files.createSymbolicLink(dir.resolve(file.getFileName()), file);
                    }
                }
            }
            String config = Files.readString(tinyLlama().resolve("tokenizer_config.json"));
            Files.writeString(dir.resolve("tokenizer_config.json"), config.replaceFirst("\\{",
                    Matcher.quoteReplacement("{\n  \"chat_template\": \"" + TinyLlama.CHAT_TEMPLATE + "\",")));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path pythonWorker() {
        return Path.of(System.getProperty("lmi.pythonWorker"));
    }

    /** tiny-llama with a 16 MiB KV cache, which holds several of its full-length sequences. */
    static TestServer tinyLlamaServer() {
        return start(tinyLlama(), "--option.kv_cache_bytes", "16m");
    }

    /** Serves {@code modelDir} on 127.0.0.1 and a free port; {@code args} are more command-line settings. */
    static TestServer start(Path modelDir, String... args) {
        return startWithKey(modelDir, null, args);
    }

    /**
     * Serves {@code modelDir} with {@code option.api_key} set to {@code apiKey} (null: none), which this client
     * then sends with every request.
     */
    static TestServer startWithKey(Path modelDir, String apiKey, String... args) {
        List<String> all = new ArrayList<>(List.of("--model", modelDir.toString(), "--port", "0",
                "--bind_address", "127.0.0.1", "--management_address", ANY_LOCAL_PORT,
                "--worker_startup_timeout_s", "120"));
        if (apiKey != null) {
            all.addAll(List.of("--option.api_key", apiKey));
        }
        all.addAll(List.of(args));
        try {
            LmiServer server = new LmiServer(ServingConfigLoader.load(all, Map.of()), modelDir, pythonWorker());
            try {
                return new TestServer(server, server.start(), apiKey);
            } catch (Exception e) {
                server.close();
                throw e;
            }
        } catch (Exception e) {
            throw new IllegalStateException("the server did not start: " + e.getMessage(), e);
        }
    }

    int port() {
        return port;
    }

    int managementPort() {
        return server.managementPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort() + path);
    }

    HttpResponse<String> get(String path) {
        return send(request(uri(path)).GET().build());
    }

    /** GETs {@code path} of the management listener. */
    HttpResponse<String> getManagement(String path) {
        return send(request(managementUri(path)).GET().build());
    }

    /** A request builder with this client's timeout and, when it has one, its API key. */
    HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
        return apiKey == null ? builder : builder.header("Authorization", "Bearer " + apiKey);
    }

    HttpResponse<String> post(String path, String body) {
        return postAsync(path, body).join();
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, String body) {
        return client.sendAsync(postRequest(path, body), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs and returns the 200 response's JSON body; anything else fails the test with the body. */
    JsonNode postOk(String path, String body) {
        HttpResponse<String> response = post(path, body);
        assertEquals(200, response.statusCode(), () -> path + " " + body + " -> " + response.body());
        return json(response.body());
    }

    HttpRequest postRequest(String path, String body) {
        return request(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends and returns as soon as the head arrived; the body is read as it comes. */
    HttpResponse<InputStream> sendStreaming(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of one unlabelled sample of {@code GET /metrics}. */
    double metric(String name) {
        return metric(name, "");
    }

    /** The value of {@code name{labels}} in {@code GET /metrics}, 0 when absent (a counter not yet counted). */
    double metric(String name, String labels) {
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode(), response::body);
        String sample = labels.isEmpty() ? name : name + "{" + labels + "}";
        for (String line : response.body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    /** Polls {@code probe} every 20 ms until {@code until} holds, failing after {@code deadline}. */
    static <T> T await(String what, Duration deadline, Supplier<T> probe, Predicate<T> until) {
        long end = System.nanoTime() + deadline.toNanos();
        T last = probe.get();
        while (!until.test(last)) {
            if (System.nanoTime() > end) {
                fail("gave up waiting for " + what + " after " + deadline + "; last value " + last);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            last = probe.get();
        }
        return last;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    /** What SIGTERM runs: refuses new requests, waits up to {@code grace} for those in flight, then closes. */
    boolean shutdownGracefully(Duration grace) throws InterruptedException {
        return server.shutdownGracefully(grace);
    }

    @Override
    public void close() {
        server.close();
    }
}
