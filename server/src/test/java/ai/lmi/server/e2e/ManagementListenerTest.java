package ai.lmi.server.e2e;

import static ai.lmi.server.e2e.ErrorResponses.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lmi.server.LmiServer;
import ai.lmi.server.config.ServingConfigLoader;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The real server and its worker with {@code management_address} left at its default: the management routes listen
 * on 127.0.0.1:8081 and nowhere else, and the inference port does not serve them. Skipped where 8081 is taken or the
 * machine has no other address to probe from.
 */
class ManagementListenerTest {

    private static final int DEFAULT_PORT = 8081;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void byDefaultTheManagementRoutesListenOnLoopbackPort8081Only() throws Exception {
        assumeTrue(isFree(DEFAULT_PORT), "port 8081, the default management port, is taken here: skipped");
        Optional<InetAddress> external = externalAddress();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to probe from: skipped");
        List<String> args = List.of("--model", TestServer.tinyLlama().toString(), "--port", "0",
                "--bind_address", "127.0.0.1", "--option.kv_cache_bytes", "16m");
        try (LmiServer server = new LmiServer(ServingConfigLoader.load(args, Map.of()), TestServer.tinyLlama(),
                TestServer.pythonWorker())) {
            int port = server.start();
            assertEquals(DEFAULT_PORT, server.managementPort());

            HttpResponse<String> described = get(URI.create("http://127.0.0.1:8081/models/tiny-llama"));
            assertEquals(200, described.statusCode(), described.body());
            JsonNode memory = TestServer.json(described.body()).path("memory");
            // tiny-llama's 4,194,624 float32 parameters, and the 16 MiB KV cache this server was given
            assertEquals(4 * 4_194_624, memory.path("weights_bytes").asLong(), described.body());
            assertEquals(16 << 20, memory.path("kv_cache_bytes").asLong(), described.body());
            assertEquals("none", memory.path("quantization").asText());
            JsonNode address = TestServer.json(described.body()).path("config").path("management_address");
            assertEquals("http://127.0.0.1:8081", address.path("value").asText());
            assertEquals("default", address.path("source").asText());
            try (Socket socket = new Socket()) {
                assertThrows(ConnectException.class,
                        () -> socket.connect(new InetSocketAddress(external.get(), DEFAULT_PORT), 5000),
                        "the management port must not answer on " + external.get());
            }
            assertError(get(URI.create("http://127.0.0.1:" + port + "/models/tiny-llama")), 404,
                    "is served on the management listener (management_address), not on this port");
        }
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
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
                .filter(ManagementListenerTest::isUpAndNotLoopback)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                .findFirst();
    }

    private static boolean isUpAndNotLoopback(NetworkInterface nic) {
        try {
            return nic.isUp() && !nic.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }
}
