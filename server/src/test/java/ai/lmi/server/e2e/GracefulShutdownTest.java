package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.LmiServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a real server process, as {@code docker stop} sends it: a stream in flight runs to its end while new
 * requests and {@code /ping} get 503, then the process exits 0.
 */
class GracefulShutdownTest {

    private static final Pattern SERVING = Pattern.compile("serving \\S+ on port (\\d+)");
    private static final int MAX_TOKENS = 480;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void sigtermLetsTheRequestInFlightFinishThenExitsZero() throws Exception {
        Process server = startServer();
        try {
            CompletableFuture<Integer> served = new CompletableFuture<>();
            Thread logReader = new Thread(() -> readLog(server, served), "server-log");
            logReader.setDaemon(true);
            logReader.start();
            int port = served.get(180, TimeUnit.SECONDS);
            List<String> lines = new ArrayList<>();
            CompletableFuture<Void> firstToken = new CompletableFuture<>();
            CompletableFuture<HttpResponse<Void>> stream = client.sendAsync(completion(port, true),
                    HttpResponse.BodyHandlers.fromLineSubscriber(new LineCollector(lines, firstToken)));
            firstToken.get(60, TimeUnit.SECONDS);

            server.destroy(); // SIGTERM

            HttpResponse<String> ping = awaitPingStatus(port, 503);
            assertEquals(503, ping.statusCode());
            HttpResponse<String> refused = client.send(completion(port, false), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("shutting down"), refused.body());

            assertEquals(200, stream.get(120, TimeUnit.SECONDS).statusCode());
            List<String> received;
            synchronized (lines) {
                received = List.copyOf(lines);
            }
            List<String> tokens = received.stream().filter(l -> l.startsWith("data: {")).toList();
            assertEquals(MAX_TOKENS, tokens.size(), "every token of the stream in flight arrived");
            assertEquals("data: [DONE]", received.stream().filter(l -> l.startsWith("data:")).reduce((a, b) -> b)
                    .orElseThrow());
            assertTrue(server.waitFor(120, TimeUnit.SECONDS), "the server exited");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly();
        }
    }

    private static Process startServer() throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), LmiServer.class.getName(),
                "--model", TestServer.tinyLlama().toString(), "--port", "0", "--bind_address", "127.0.0.1",
                "--management_address", TestServer.ANY_LOCAL_PORT,
                "--option.kv_cache_bytes", "16m", "--graceful_shutdown_timeout_s", "120");
        builder.environment().put(LmiServer.PYTHON_WORKER_DIR_ENV, TestServer.pythonWorker().toString());
        builder.redirectErrorStream(true);
        return builder.start();
    }

    // Reads the log to its end, so a full pipe never blocks the server; completes {@code served} with the port.
    private static void readLog(Process server, CompletableFuture<Integer> served) {
        try (BufferedReader log = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = log.readLine(); line != null; line = log.readLine()) {
                Matcher matcher = SERVING.matcher(line);
                if (matcher.find()) {
                    served.complete(Integer.parseInt(matcher.group(1)));
                }
            }
        } catch (IOException e) {
            served.completeExceptionally(e);
        }
        served.completeExceptionally(new IllegalStateException("the server exited before it served"));
    }

    private HttpRequest completion(int port, boolean stream) {
        String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + MAX_TOKENS
                + ", \"ignore_eos\": true, \"temperature\": 0, \"stream\": " + stream + "}";
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> awaitPingStatus(int port, int status) {
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping")).build();
        return TestServer.await("/ping " + status, Duration.ofSeconds(30), () -> {
            try {
                return client.send(ping, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IllegalStateException("/ping failed while the stream was still running", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, response -> response.statusCode() == status);
    }

    /** Keeps every line of the stream and completes {@code first} with the first token. */
    private record LineCollector(List<String> lines, CompletableFuture<Void> first)
            implements Flow.Subscriber<String> {

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            synchronized (lines) {
                lines.add(line);
            }
            if (line.startsWith("data: {")) {
                first.complete(null);
            }
        }

        @Override
        public void onError(Throwable error) {
            first.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            first.complete(null);
        }
    }
}
