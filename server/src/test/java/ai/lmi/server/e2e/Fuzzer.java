package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.lmi.server.openai.ExternalProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs {@code tests/fuzz/fuzz.py} against a {@link TestServer}, then checks for itself what the script checks last:
 * the server answers {@code /ping}, holds no KV block and runs no request.
 */
final class Fuzzer {

    private static final Path SCRIPT =
            Path.of(System.getProperty("user.dir"), "..", "tests", "fuzz", "fuzz.py").normalize();
    /** Fixed, so that a failure replays with the seed and case index the report prints. */
    private static final String SEED = "junit";
    private static final Duration RUN_LIMIT = Duration.ofMinutes(3);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private Fuzzer() {}

    /** Sends {@code requests} fuzz cases aimed at {@code task} ({@code generation} or {@code embedding}). */
    static void fuzz(TestServer server, String task, int requests) throws InterruptedException {
        Optional<String> python = python();
        assumeTrue(python.isPresent(), "no Python 3 runs (tried $LMI_PYTHON, /usr/bin/python3, python3): skipped");
        double refusedBefore = server.metric("lmi_requests_total", "status=\"400\"");

        ExternalProcess run = run(List.of(python.get(), SCRIPT.toString(), "--url", "http://127.0.0.1:" + server.port(),
                "--management-url", "http://127.0.0.1:" + server.managementPort(), "--task", task, "--requests", Integer.toString(requests), "--seed", SEED,
                "--settle", Long.toString(SETTLE.toSeconds())));

        assertTrue(run.succeeded(), run::describe);
        assertTrue(run.output().contains("\nviolations: 0\n"), run::describe);
        // The cases reached the model endpoints: most of them are refused there.
        assertTrue(server.metric("lmi_requests_total", "status=\"400\"") - refusedBefore > requests / 4.0,
                run::describe);
        assertEquals(200, server.get("/ping").statusCode());
        for (String gauge : List.of("lmi_kv_cache_blocks_used", "lmi_requests_running", "lmi_requests_waiting")) {
            TestServer.await(gauge + " back to 0", SETTLE, () -> server.metric(gauge), value -> value == 0);
        }
    }

    /** The first of $LMI_PYTHON, /usr/bin/python3 and python3 that runs. */
    private static Optional<String> python() throws InterruptedException {
        List<String> candidates = new ArrayList<>();
        String configured = System.getenv("LMI_PYTHON");
        if (configured != null && !configured.isBlank()) {
            candidates.add(configured);
        }
        candidates.addAll(List.of("/usr/bin/python3", "python3"));
        for (String candidate : candidates) {
            Optional<ExternalProcess> check =
                    tryRun(List.of(candidate, "-c", "import sys; assert sys.version_info >= (3, 8)"));
            if (check.isPresent() && check.get().succeeded()) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static ExternalProcess run(List<String> command) throws InterruptedException {
        return tryRun(command).orElseThrow(() -> new AssertionError("could not run " + String.join(" ", command)));
    }

    private static Optional<ExternalProcess> tryRun(List<String> command) throws InterruptedException {
        try {
            return Optional.of(ExternalProcess.run(command, SCRIPT.getParent(), Map.of(), RUN_LIMIT));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
