package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lmi.engines.embedding.MiniLmExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code curl} command in README.md's bash blocks succeeds against a server of the demo model, or, in a block
 * that lays out the MiniLM example, against a server of that embedding model.
 */
class ReadmeCurlExamplesTest {

    private static final String README_ADDRESS = "localhost:8080";
    private static final Pattern STATUS = Pattern.compile("HTTP_STATUS (\\d{3})");
    private static final long COMMAND_TIMEOUT_SECONDS = 90;

    @TempDir
    static Path work;
    private static TestServer server;
    private static TestServer embeddingServer;

    /** A README command and whether its block serves the MiniLM example. */
    record CurlCommand(String command, boolean embedding) {}

    @BeforeAll
    static void start() throws Exception {
        // The demo model, as `./lmi serve` serves it when given none; unlike tiny-llama it has a chat template.
        Path demo = work.resolve("demo-model");
        ProcessBuilder writer = new ProcessBuilder("/usr/bin/python3", "-m", "lmi_worker.demo_model",
                "--out", demo.toString())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("demo-model.log").toFile());
        writer.environment().put("PYTHONPATH", TestServer.pythonWorker().toString());
        Process process = writer.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the demo model writer did not finish");
        assertEquals(0, process.exitValue(),
                () -> "the demo model writer failed: " + read(work.resolve("demo-model.log")));
        server = TestServer.start(demo, "--option.kv_cache_bytes", "16m");
        embeddingServer = TestServer.start(MiniLmExample.layOut(work.resolve("minilm")));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (embeddingServer != null) {
            embeddingServer.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyReadmeCurlCommandSucceeds() {
        Path readme = Path.of(System.getProperty("user.dir")).resolve("../README.md").normalize();
        List<CurlCommand> commands = curlCommands(read(readme));
        if (commands.isEmpty()) {
            fail(readme + " has no curl commands in ```bash blocks; its '## Try it' section should show how to call "
                    + "the server at http://" + README_ADDRESS);
        }
        assertTrue(commands.stream().anyMatch(CurlCommand::embedding),
                "README.md shows the embedding example (./lmi fetch-example minilm) with curl commands");
        return commands.stream().map(curl -> DynamicTest.dynamicTest(curl.command(),
                () -> run(curl.command(), curl.embedding() ? embeddingServer : server)));
    }

    /** Runs one README command, pointed at the test server, with curl reporting failures and the status. */
    private static void run(String command, TestServer target) throws Exception {
        assertTrue(command.contains(README_ADDRESS), "the README's commands call " + README_ADDRESS + ": " + command);
        String pointed = command.replace(README_ADDRESS, "127.0.0.1:" + target.port());
        String checked = pointed.replaceFirst("^curl ", Matcher.quoteReplacement(
                "curl --fail-with-body --show-error --max-time 60 -w '%{stderr}HTTP_STATUS %{http_code}\\n' "));
        Path out = Files.createTempFile(work, "curl", ".out");
        Path err = Files.createTempFile(work, "curl", ".err");
        Process process = new ProcessBuilder("bash", "-c", checked)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertTrue(process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS), "timed out: " + checked);
        String report = checked + "\nstdout: " + read(out) + "\nstderr: " + read(err);
        assertEquals(0, process.exitValue(), report);
        Matcher status = STATUS.matcher(read(err));
        assertTrue(status.find(), report);
        assertEquals('2', status.group(1).charAt(0), report);
    }

    /**
     * Lines starting with {@code curl } inside ```bash fences; a trailing backslash continues a line. A block with
     * {@code ./lmi fetch-example minilm} above its curl commands serves the embedding example.
     */
    static List<CurlCommand> curlCommands(String markdown) {
        List<CurlCommand> commands = new ArrayList<>();
        boolean inBash = false;
        boolean embeddingBlock = false;
        StringBuilder pending = new StringBuilder();
        for (String line : markdown.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("```")) {
                inBash = !inBash && trimmed.substring(3).strip().equals("bash");
                embeddingBlock = false;
                continue;
            }
            if (!inBash) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            String command = pending.append(trimmed).toString();
            pending.setLength(0);
            embeddingBlock |= command.startsWith("./lmi fetch-example minilm");
            if (command.startsWith("curl ")) {
                commands.add(new CurlCommand(command, embeddingBlock));
            }
        }
        return commands;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
