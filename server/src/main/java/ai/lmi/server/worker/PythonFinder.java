package ai.lmi.server.worker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Finds a Python that imports torch and numpy: the configured executable if there is one, else {@code LMI_PYTHON},
 * {@code /usr/bin/python3}, then {@code python3} on the PATH.
 */
public final class PythonFinder {

    private static final String CHECK = "import torch, numpy";
    private static final long CHECK_SECONDS = 120;
    // Importing torch takes a second or more; a worker restart need not pay it again.
    private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();

    private PythonFinder() {
    }

    /**
     * The first candidate that runs {@code -c "import torch, numpy"} successfully.
     *
     * @param explicit option.python_executable, or null to search
     * @param env      the environment to read LMI_PYTHON from
     * @throws WorkerStartException listing every candidate tried and why it failed
     */
    public static String find(String explicit, Map<String, String> env) {
        List<String> candidates = new ArrayList<>();
        if (explicit != null) {
            candidates.add(explicit);
        } else {
            String fromEnv = env.get("LMI_PYTHON");
            if (fromEnv != null && !fromEnv.isBlank()) {
                candidates.add(fromEnv);
            }
            candidates.add("/usr/bin/python3");
            candidates.add("python3");
        }
        List<String> failures = new ArrayList<>();
        for (String python : candidates) {
            if (VERIFIED.contains(python)) {
                return python;
            }
            String problem = check(python);
            if (problem == null) {
                VERIFIED.add(python);
                return python;
            }
            failures.add(python + " (" + problem + ")");
        }
        String hint = explicit != null ? "fix option.python_executable" : "set option.python_executable or LMI_PYTHON";
        throw new WorkerStartException("no Python that imports torch and numpy: tried " + String.join("; ", failures)
                + ". Install python3-torch and python3-numpy, or " + hint);
    }

    /** Why {@code python} cannot run the worker, or null when it can. */
    private static String check(String python) {
        Path output;
        try {
            output = Files.createTempFile("lmi-python-check", ".log");
        } catch (IOException e) {
            return "cannot create a temporary file for its output: " + e.getMessage();
        }
        try {
            // Output to a file, not a pipe: a pipe read would block past the time limit if Python hangs.
            Process process = new ProcessBuilder(python, "-c", CHECK).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(new File("/dev/null")).start();
            if (!process.waitFor(CHECK_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "'" + CHECK + "' did not finish in " + CHECK_SECONDS + " s";
            }
            if (process.exitValue() == 0) {
                return null;
            }
            String text = new String(Files.readAllBytes(output), StandardCharsets.UTF_8).strip();
            String last = text.isEmpty() ? "no output" : text.substring(text.lastIndexOf('\n') + 1);
            return "'" + CHECK + "' failed with exit status " + process.exitValue() + ": " + last;
        } catch (IOException e) {
            return "cannot run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                output.toFile().deleteOnExit();
            }
        }
    }
}
