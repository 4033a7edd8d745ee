package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lmi.server.config.ServingConfig;
import ai.lmi.server.config.ServingConfigLoader;
import ai.lmi.server.metrics.ServerMetrics;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap on a real socket: binds a free port, serves over HTTP/1.1, and closes; the management listener
 * binds 127.0.0.1 only unless told otherwise.
 */
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
    void theManagementListenerBindsLoopbackOnlyByDefault() throws Exception {
        ServingConfig defaults = ServingConfigLoader.load(List.of(), Map.of());
        assumeTrue(isFree(8081), "port 8081, the default management port, is taken on this machine: skipped");
        Optional<InetAddress> external = externalAddress();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to probe: skipped");
        try (HttpServer management =
                HttpServer.management(HttpServerSettings.management(defaults), new FakeGenerationService())) {
            assertEquals(8081, management.start());

            HttpResponse<String> models = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:8081/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models.statusCode(), models.body());
            try (Socket socket = new Socket()) {
                assertThrows(ConnectException.class,
                        () -> socket.connect(new InetSocketAddress(external.get(), 8081), 5000),
                        "the management port must not answer on " + external.get());
            }
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

    private static boolean isFree(int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<InetAddress> externalAddress() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(nic -> {
                    try {
                        return nic.isUp() && !nic.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                .findFirst();
    }

    private static HttpServerSettings settings(int port, int maxPayloadBytes) {
        return new HttpServerSettings("127.0.0.1", port, "the test's port", maxPayloadBytes, Duration.ZERO,
                Optional.empty());
    }
}
