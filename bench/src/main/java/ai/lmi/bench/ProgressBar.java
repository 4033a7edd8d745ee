package ai.lmi.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress line of a run on stderr: redrawn in place four times a second on a terminal, otherwise written
 * as a new line once a second so that logs stay readable.
 */
final class ProgressBar {

    private static final int WIDTH = 20;
    private static final long TERMINAL_PERIOD_MS = 250;
    private static final long LOG_PERIOD_MS = 1000;

    private final String name;
    private final int total;
    private final Api api;
    private final PrintStream out;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    private final AtomicLong outputTokens = new AtomicLong();
    private ScheduledFuture<?> ticker;

    private ProgressBar(String name, int total, Api api, PrintStream out, boolean terminal) {
        this.name = name;
        this.total = total;
        this.api = api;
        this.out = out;
        this.terminal = terminal;
    }

    /** Starts drawing {@code [name]}'s progress towards {@code total} requests to {@code api}. */
    static ProgressBar start(String name, int total, Api api, PrintStream out, ScheduledExecutorService timers) {
        boolean terminal = stderrIsTerminal();
        ProgressBar bar = new ProgressBar(name, total, api, out, terminal);
        long period = terminal ? TERMINAL_PERIOD_MS : LOG_PERIOD_MS;
        bar.ticker = timers.scheduleAtFixedRate(bar::draw, period, period, TimeUnit.MILLISECONDS);
        return bar;
    }

    void completed(RequestRecord record) {
        if (record.ok()) {
            outputTokens.addAndGet(record.outputTokens());
        } else {
            errors.incrementAndGet();
        }
        done.incrementAndGet();
    }

    /** Stops the ticker and draws the final state. */
    void finish() {
        ticker.cancel(false);
        draw();
        if (terminal) {
            out.println();
        }
    }

    private synchronized void draw() {
        out.print(terminal ? "\r" + line() : line() + "\n");
        out.flush();
    }

    /**
     * {@code [c=16] [#####...............] 123/500 requests  45.1 s  errors 0  1234 tok/s}, output tokens per
     * second; for embeddings, which generate none, completed requests per second ({@code 56.7 req/s}).
     */
    String line() {
        int finished = done.get();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int filled = total == 0 ? WIDTH : (int) ((long) finished * WIDTH / total);
        String rate = api == Api.EMBEDDINGS
                ? String.format(Locale.ROOT, "%.1f req/s", perSecond(finished - errors.get(), seconds))
                : String.format(Locale.ROOT, "%.0f tok/s", perSecond(outputTokens.get(), seconds));
        return String.format(Locale.ROOT, "[%s] [%s%s] %d/%d requests  %.1f s  errors %d  %s", name,
                "#".repeat(filled), ".".repeat(WIDTH - filled), finished, total, seconds, errors.get(), rate);
    }

    private static double perSecond(double amount, double seconds) {
        return seconds > 0 ? amount / seconds : 0;
    }

    /** Linux only: whether file descriptor 2 is a terminal; anything unreadable counts as not. */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
