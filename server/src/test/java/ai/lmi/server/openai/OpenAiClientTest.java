package ai.lmi.server.openai;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lmi.engines.embedding.MiniLmExample;
import ai.lmi.server.LmiServer;
import ai.lmi.server.config.ServingConfig;
import ai.lmi.server.config.ServingConfigLoader;
import ai.lmi.server.worker.PythonFinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official {@code openai} npm client against an in-process server that asks for an API key:
 * {@code tests/openai-client/check.mjs} (completions, chat, streaming) and {@code check-structured.mjs}
 * (response_format and tools) against a generative model, {@code check-embeddings.mjs} against all-MiniLM-L6-v2.
 */
class OpenAiClientTest {

    private static final Path REPO = Path.of(System.getProperty("user.dir"), "..").normalize();
    private static final Path CLIENT_DIR = REPO.resolve("tests/openai-client");
    private static final String API_KEY = "openai-client-test-key-19c4";

    @TempDir
    Path temp;

    @Test
    void officialClientRunsCompletionsChatAndStreaming() throws Exception {
        Path pythonWorker = Path.of(requiredProperty("lmi.pythonWorker"));
        runCheck("check.mjs", generateDemoModel(pythonWorker), pythonWorker);
    }

    @Test
    void officialClientRunsStructuredOutputAndTools() throws Exception {
        Path pythonWorker = Path.of(requiredProperty("lmi.pythonWorker"));
        runCheck("check-structured.mjs", generateDemoModel(pythonWorker), pythonWorker);
    }

    @Test
    void officialClientRunsEmbeddingsAsBase64AndFloats() throws Exception {
        runCheck("check-embeddings.mjs", MiniLmExample.layOut(temp.resolve("all-MiniLM-L6-v2")),
                Path.of(requiredProperty("lmi.pythonWorker")));
    }

    /**
     * Serves {@code model} in-process with an API key and runs {@code script} of the client against it: with the key
     * every check passes, and clients with wrong keys get the client's AuthenticationError.
     */
    private static void runCheck(String script, Path model, Path pythonWorker) throws Exception {
        installClient();
        ServingConfig config = ServingConfigLoader.load(List.of("--model", model.toString(), "--port", "0",
                "--management_address", "http://127.0.0.1:0"), Map.of("OPTION_API_KEY", API_KEY));
        try (LmiServer server = new LmiServer(config, model, pythonWorker)) {
            int port = server.start();
            ExternalProcess check = run(List.of("node", script, "http://127.0.0.1:" + port + "/v1",
                    config.modelName()), CLIENT_DIR, Map.of("LMI_API_KEY", API_KEY), Duration.ofMinutes(2), "node");
            assertTrue(check.succeeded(), check::describe);
            assertTrue(check.output().contains("\"api_key\":true,"), () -> "the wrong-key checks did not run: "
                    + check.describe());
        }
    }

    /** {@code npm ci} when the client's packages are not installed yet. */
    private static void installClient() throws IOException, InterruptedException {
        if (Files.isDirectory(CLIENT_DIR.resolve("node_modules/openai"))) {
            return;
        }
        ExternalProcess install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), CLIENT_DIR, Map.of(),
                Duration.ofMinutes(5), "npm");
        assertTrue(install.succeeded(), () -> "could not install the openai client in " + CLIENT_DIR + ": "
                + install.describe());
    }

    private Path generateDemoModel(Path pythonWorker) throws IOException, InterruptedException {
        Path out = temp.resolve("demo");
        String python = PythonFinder.find(null, System.getenv());
        ExternalProcess generate = run(List.of(python, "-m", "lmi_worker.demo_model", "--out", out.toString()),
                pythonWorker, Map.of("PYTHONPATH", pythonWorker.toString()), Duration.ofMinutes(2), python);
        assertTrue(generate.succeeded(), () -> "could not generate the demo model: " + generate.describe());
        return out;
    }

    /** Runs a command; a missing program fails the test naming it, rather than with a bare IOException. */
    private static ExternalProcess run(List<String> command, Path dir, Map<String, String> env, Duration limit,
            String program) throws InterruptedException {
        try {
            return ExternalProcess.run(command, dir, env, limit);
        } catch (IOException e) {
            return fail(program + " could not be run (" + e.getMessage() + "); this test needs Node.js 20+ and npm "
                    + "on the PATH to run the official openai client in " + CLIENT_DIR);
        }
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            fail("set -D" + name + " (the server module's surefire configuration does)");
        }
        return value;
    }
}
