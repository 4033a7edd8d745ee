package ai.lmi.server.worker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Forwards the worker's stderr, line by line, to an SLF4J logger named for the worker, at the level the worker
 * logged it; keeps the last lines for error messages about a worker that failed.
 */
final class WorkerLogForwarder {

    private static final int KEPT_LINES = 20;
    // The worker's format: "[worker <pid>] LEVEL logger: message", "[worker <pid> rank <r>] ..." in a TP group.
    private static final Pattern LINE =
            Pattern.compile("^\\[worker \\d+(?: rank \\d+)?] (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$");

    private final Logger log;
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();
    private final Thread thread;

    private WorkerLogForwarder(InputStream stderr, long pid) {
        this.log = LoggerFactory.getLogger("ai.lmi.server.worker.python." + pid);
        this.thread = new Thread(() -> forward(stderr), "lmi-worker-" + pid + "-log");
        thread.setDaemon(true);
    }

    /** Starts forwarding {@code stderr} of worker {@code pid} on a daemon thread; it ends at EOF. */
    static WorkerLogForwarder start(InputStream stderr, long pid) {
        WorkerLogForwarder forwarder = new WorkerLogForwarder(stderr, pid);
        forwarder.thread.start();
        return forwarder;
    }

    /** The worker's last lines of output, oldest first, once its output ended (waiting up to {@code millis}). */
    List<String> lastLines(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            return List.copyOf(lastLines);
        }
    }

    private void forward(InputStream stderr) {
        Level level = Level.INFO; // lines without a level (tracebacks) continue the previous line's
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher m = LINE.matcher(line);
                String text = line;
                if (m.matches()) {
                    level = level(m.group(1));
                    text = m.group(2);
                }
                log.atLevel(level).log(text);
                keep(line);
            }
        } catch (IOException e) {
            log.debug("stopped reading the worker's output: {}", e.getMessage());
        }
    }

    private synchronized void keep(String line) {
        if (lastLines.size() == KEPT_LINES) {
            lastLines.removeFirst();
        }
        lastLines.addLast(line);
    }

    private static Level level(String python) {
        switch (python) {
            case "DEBUG":
                return Level.DEBUG;
            case "WARNING":
                return Level.WARN;
            case "ERROR":
            case "CRITICAL":
                return Level.ERROR;
            default:
                return Level.INFO;
        }
    }
}
