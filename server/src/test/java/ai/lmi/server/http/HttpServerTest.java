package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.adapter.PeftAdapters;
import ai.lmi.server.config.ServingConfig;
import ai.lmi.server.config.ServingConfigLoader;
import ai.lmi.server.metrics.ServerMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bootstrap on a real socket: binds a free port, serves over HTTP/1.1, and closes; a bind error names the key. */
class HttpServerTest {

    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void servesOverASocket() throws Exception {
        try (HttpServer server = new HttpServer(
                settings(0, 1 << 20), new FakeGenerationService(), new ServerMetrics())) {
            int port = server.start();
            URI base = URI.create("http://127.0.0.1:" + port);

            HttpResponse<String> ping = client.send(HttpRequest.newBuilder(base.resolve("/ping")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ping.statusCode());
            assertEquals("{\"status\":\"Healthy\"}", ping.body());

            HttpResponse<String> stream = client.send(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Hello\", \"stream\": true}"))
                            .header("Content-Type", "application/json")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stream.statusCode());
            assertTrue(stream.body().contains("\"text\":\" world\""), stream.body());
            assertTrue(stream.body().endsWith("data: [DONE]\n\n"), stream.body());
        }
    }

    @Test
    void failsToStartOnAPortInUse() throws Exception {
        try (HttpServer first = new HttpServer(
                settings(0, 1024), new FakeGenerationService(), new ServerMetrics())) {
            int port = first.start();
            HttpServer second = new HttpServer(settings(port, 1024), new FakeGenerationService(), new ServerMetrics());
            IOException error = assertThrows(IOException.class, second::start);
            assertTrue(error.getMessage().startsWith("cannot listen on 127.0.0.1:" + port + " (the test's port): "),
                    error.getMessage());
        }
    }

    @Test
    void aTakenManagementPortIsAnErrorNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ServingConfig config = ServingConfigLoader.load(
                    List.of("--management_address", "http://127.0.0.1:" + taken.getLocalPort()), Map.of());
            HttpServer management =
                    HttpServer.management(HttpServerSettings.management(config), new FakeGenerationService());
            IOException error = assertThrows(IOException.class, management::start);
            assertTrue(error.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " (management_address http://127.0.0.1:" + taken.getLocalPort() + "): "), error.getMessage());
        }
    }

    @Test
    void anAdapterChangeIsAnsweredFromItsOwnThread(@TempDir Path tempDir) throws Exception {
        FakeGenerationService service = new FakeGenerationService();
        service.adapters = new InMemoryAdapterService(16);
        Path sql = PeftAdapters.write(tempDir.resolve("sql"));
        try (HttpServer management = HttpServer.management(settings(0, 1 << 20), service)) {
            URI base = URI.create("http://127.0.0.1:" + management.start());

            HttpResponse<String> registered = client.send(HttpRequest.newBuilder(base.resolve("/v1/load_lora_adapter"))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"lora_name\": \"sql\", \"lora_path\": \"" + sql + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, registered.statusCode(), registered.body());
            assertEquals("Success: LoRA adapter 'sql' added successfully.", registered.body());
            assertEquals(1, service.adapters.list().size());
        }
    }

    /** No time limits, no stream buffer limit, no key. */
    private static HttpServerSettings settings(int port, int maxPayloadBytes) {
        return new HttpServerSettings("127.0.0.1", port, "the test's port", maxPayloadBytes, Duration.ZERO,
                Long.MAX_VALUE, Duration.ZERO, Duration.ZERO, Optional.empty());
    }
}
