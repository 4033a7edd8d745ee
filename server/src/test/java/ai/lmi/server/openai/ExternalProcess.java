package ai.lmi.server.openai;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion within a time limit, its stdout and stderr together captured. */
public record ExternalProcess(List<String> command, int exitCode, boolean timedOut, String output) {

    /** Runs {@code command} in {@code dir} with {@code env} added to the inherited environment. */
    public static ExternalProcess run(List<String> command, Path dir, Map<String, String> env, Duration limit)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("lmi-external-process", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean finished = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return new ExternalProcess(command, finished ? process.exitValue() : -1, !finished,
                    Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    public boolean succeeded() {
        return !timedOut && exitCode == 0;
    }

    /** What ran, how it ended, and everything it printed: for failure messages. */
    public String describe() {
        String ending = timedOut ? "was stopped at its time limit" : "exited with status " + exitCode;
        return String.join(" ", command) + " " + ending + "; its output:\n" + output;
    }
}
