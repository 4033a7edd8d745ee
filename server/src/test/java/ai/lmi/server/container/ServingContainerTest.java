package ai.lmi.server.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The real {@code lmi-server} image, started the way SageMaker starts it ({@code serve}, the model at
 * {@code /opt/ml/model}, {@code SAGEMAKER_BIND_TO_PORT}), on the host network. Skipped where no Docker engine
 * answers; builds the image with {@code ./lmi image} when it is missing.
 */
class ServingContainerTest {

    private static final Logger LOG = LoggerFactory.getLogger(ServingContainerTest.class);
    private static final String IMAGE = "lmi-server:latest";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GenericContainer<?> container;
    private static int port;
    private static int managementPort;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    // An assumption failed here would hide the tests (Surefire counts none); each test is skipped instead.
    @BeforeAll
    static void startContainer() throws Exception {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return;
        }
        buildImageIfMissing();
        port = freePort();
        managementPort = freePort();
        container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                // Built here, never pulled: a pull of :latest would retry against a registry that is not there.
                .withImagePullPolicy(image -> false)
                .withNetworkMode("host")
                .withFileSystemBind(tinyLlama().toString(), "/opt/ml/model", BindMode.READ_ONLY)
                .withEnv("SAGEMAKER_BIND_TO_PORT", Integer.toString(port))
                .withEnv("SAGEMAKER_MODEL_SERVER_TIMEOUT", "120")
                // On the host network the default management port, 8081, may be taken.
                .withEnv("SERVING_MANAGEMENT_ADDRESS", "http://127.0.0.1:" + managementPort)
                .withCommand("serve")
                .withLogConsumer(new Slf4jLogConsumer(LOG))
                // Host networking maps no ports, so readiness comes from the log, then /ping below.
                .waitingFor(Wait.forLogMessage(".*serving \\S+ on port " + port + ".*", 1)
                        .withStartupTimeout(Duration.ofMinutes(3)));
        container.start();
    }

    @BeforeEach
    void requireDocker() {
        assumeTrue(container != null, "no Docker engine answers: skipped");
    }

    @AfterAll
    static void removeContainer() {
        if (container != null) {
            container.stop();
        }
    }

    @Test
    void servesPingAndInvocationsAndStopsGracefully() throws Exception {
        assertEquals(200, get("/ping").statusCode());

        HttpResponse<String> plain = post("{\"inputs\": \"Hello\", \"parameters\": {\"max_new_tokens\": 8}}");
        assertEquals(200, plain.statusCode(), plain.body());
        assertTrue(JSON.readTree(plain.body()).path("generated_text").isTextual(), plain.body());

        HttpResponse<String> streamed = post("{\"inputs\": \"Hello\", \"parameters\": {\"max_new_tokens\": 8}, "
                + "\"stream\": true}");
        assertEquals(200, streamed.statusCode(), streamed.body());
        List<String> lines = streamed.body().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(8, lines.stream().filter(line -> read(line).has("token")).count(), streamed.body());

        HttpResponse<String> bad = post("{}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("inputs"), bad.body());

        String model = read(get("/v1/models").body()).path("data").path(0).path("id").asText();
        JsonNode timeout = read(get(managementPort, "/models/" + model).body()).path("config")
                .path("request_timeout_s");
        assertEquals(120, timeout.path("value").asInt(), "serve maps SAGEMAKER_MODEL_SERVER_TIMEOUT: " + timeout);

        // docker stop with a long generation in flight: it runs to its end, then the container exits 0.
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                request("{\"inputs\": \"Once upon a time\", \"parameters\": {\"max_new_tokens\": 400, "
                        + "\"ignore_eos\": true}, \"stream\": true}"),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        DockerClient docker = container.getDockerClient();
        docker.stopContainerCmd(container.getContainerId()).withTimeout(60).exec();
        HttpResponse<String> finished = inFlight.get(60, TimeUnit.SECONDS);
        assertEquals(200, finished.statusCode());
        assertEquals(400, finished.body().lines().filter(line -> !line.isBlank())
                .filter(line -> read(line).has("token")).count(), "every token of the request in flight");
        Long exitCode = docker.inspectContainerCmd(container.getContainerId()).exec().getState().getExitCodeLong();
        assertEquals(0L, exitCode);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(port, path);
    }

    private HttpResponse<String> get(int listenerPort, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(listenerPort, path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return client.send(request(body), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String body) {
        return HttpRequest.newBuilder(uri(port, "/invocations")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static URI uri(int listenerPort, String path) {
        return URI.create("http://localhost:" + listenerPort + path);
    }

    private static JsonNode read(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static void buildImageIfMissing() throws IOException, InterruptedException {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(IMAGE).exec();
            return;
        } catch (NotFoundException e) {
            LOG.info("{} is missing: building it with ./lmi image", IMAGE);
        }
        Process build = new ProcessBuilder(System.getProperty("lmi.launcher"), "image").inheritIO().start();
        assertTrue(build.waitFor(20, TimeUnit.MINUTES), "./lmi image finished");
        assertEquals(0, build.exitValue(), "./lmi image succeeded");
    }

    private static Path tinyLlama() {
        return Path.of(System.getProperty("lmi.testdata"), "tiny-llama").toAbsolutePath().normalize();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
