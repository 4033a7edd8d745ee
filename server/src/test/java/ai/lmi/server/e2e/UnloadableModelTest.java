package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model whose worker cannot load it at start: the server process exits non-zero and its log says why. */
class UnloadableModelTest {

    @Test
    void aModelThatCannotLoadAtStartExitsNonZeroWithTheReason(@TempDir Path work) throws Exception {
        Path model = BrokenModel.copyOfTinyLlama(work.resolve("tiny-llama"));
        BrokenModel.breakWeights(model);
        Process server = ServerProcess.builder(model, "--worker_startup_timeout_s", "120").start();
        try {
            String log = readAll(server.getInputStream());
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server exited");
            assertEquals(1, server.exitValue(), log);
            assertTrue(log.contains("the server could not start"), log);
            assertTrue(log.contains(BrokenModel.WEIGHTS), "the reason names the file that did not load:\n" + log);
            assertTrue(WorkerProcesses.all().isEmpty(), "no worker outlives the server: " + WorkerProcesses.all());
        } finally {
            server.destroyForcibly();
        }
    }

    private static String readAll(InputStream output) throws IOException {
        try (output) {
            return new String(output.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
