package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code kill -9} of the worker mid-generation: in-flight requests fail, /ping goes 503 then 200, serving resumes. */
class WorkerCrashTest extends TinyLlamaServerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void inFlightRequestsFailThenTheServerRestartsItsWorkerAndServesAgain() throws IOException {
        Golden golden = Golden.cases().get(0);
        int maxTokens = 512 - golden.promptIds().length;
        String completion = Requests.greedyCompletion(golden.promptIds(), maxTokens, "\"ignore_eos\": true");
        String lmi = Requests.greedyInvocation(golden.prompt(), maxTokens, true, "\"ignore_eos\": true");

        CompletableFuture<HttpResponse<String>> whole = server.postAsync("/v1/completions", completion);
        TestServer.await("the non-streamed request to run", DEADLINE, () -> server.metric("lmi_requests_running"),
                running -> running >= 1);
        BufferedReader events = open(server.postRequest("/v1/completions",
                completion.replaceFirst("}$", ", \"stream\": true}")));
        BufferedReader lines = open(server.postRequest("/invocations", lmi));
        String firstEvent = events.readLine();
        String firstLine = lines.readLine();
        assertTrue(firstEvent.startsWith("data: {"), firstEvent);
        assertTrue(firstLine.startsWith("{\"token\""), firstLine);

        ProcessHandle worker = onlyWorker();
        CompletableFuture<List<Integer>> pings = CompletableFuture.supplyAsync(this::pingUntilBackUp);
        assertTrue(worker.destroyForcibly(), "SIGKILL to the worker " + worker.pid());

        HttpResponse<String> failed = whole.join();
        assertTrue(failed.statusCode() >= 500 && failed.statusCode() < 600, failed.statusCode() + " " + failed.body());
        JsonNode error = TestServer.json(failed.body());
        assertEquals(failed.statusCode(), error.path("code").asInt(), failed.body());
        assertTrue(error.path("message").asText().contains("worker"), failed.body());

        List<JsonNode> streamed = ServerSentEvents.parse(firstEvent + "\n" + readRest(events));
        JsonNode lastEvent = streamed.get(streamed.size() - 1);
        assertEquals("error", lastEvent.path("choices").path(0).path("finish_reason").asText(), lastEvent.toString());
        assertTrue(lastEvent.path("error").path("message").asText().contains("worker"), lastEvent.toString());

        String[] rest = readRest(lines).split("\n");
        JsonNode lastLine = TestServer.json(rest[rest.length - 1]);
        assertEquals("error", lastLine.path("details").path("finish_reason").asText(), lastLine.toString());
        assertTrue(lastLine.has("generated_text"), lastLine.toString());

        List<Integer> statuses = pings.join();
        assertTrue(statuses.contains(503), "/ping answered 503 while the worker restarted: " + statuses);
        assertEquals(200, statuses.get(statuses.size() - 1));

        JsonNode choice = server.postOk("/v1/completions",
                Requests.greedyCompletion(golden.promptIds(), golden.outputIds().length, "")).path("choices").path(0);
        assertEquals(golden.outputText(), choice.path("text").asText(), "the new worker generates what the old did");
        assertNotEquals(worker.pid(), onlyWorker().pid());
    }

    /**
     * The one worker this JVM runs: a descendant process whose command line runs {@code lmi_worker}. Waits for
     * the workers of test classes that ran before this one to be gone.
     */
    private static ProcessHandle onlyWorker() {
        return TestServer.await("exactly one worker process", DEADLINE, WorkerCrashTest::workers,
                workers -> workers.size() == 1).get(0);
    }

    private static List<ProcessHandle> workers() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains("-m lmi_worker"))
                .collect(Collectors.toList());
    }

    /** /ping statuses from now until it answers 200 after having answered 503. */
    private List<Integer> pingUntilBackUp() {
        List<Integer> statuses = new ArrayList<>();
        TestServer.await("/ping to answer 503 and then 200", DEADLINE, () -> {
            statuses.add(server.get("/ping").statusCode());
            return statuses;
        }, seen -> seen.contains(503) && seen.get(seen.size() - 1) == 200);
        return statuses;
    }

    private BufferedReader open(HttpRequest request) {
        HttpResponse<InputStream> response = server.sendStreaming(request);
        assertEquals(200, response.statusCode());
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    private static String readRest(BufferedReader reader) {
        try (reader) {
            return reader.lines().collect(Collectors.joining("\n", "", "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
