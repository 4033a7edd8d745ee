package ai.lmi.server.worker;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The thread that spawns one worker and then waits for it to exit.
 *
 * <p>The worker asks Linux for SIGTERM when its parent dies (PR_SET_PDEATHSIG), and Linux means the parent
 * <em>thread</em>: a worker spawned from a pooled or short-lived thread would be killed when that thread ends,
 * with the daemon still up. This thread ends only after the worker has, so the signal comes only when the
 * JVM itself is gone.
 */
final class WorkerParentThread {

    private WorkerParentThread() {
    }

    /**
     * Starts the process from a new daemon thread and returns it; {@code onExit} runs on that thread once the
     * process has exited.
     */
    static Process spawn(ProcessBuilder builder, String threadName, Consumer<Process> onExit) throws IOException {
        CompletableFuture<Process> started = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            Process process;
            try {
                process = builder.start();
            } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
                return;
            }
            started.complete(process);
            awaitExit(process);
            onExit.accept(process);
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        try {
            return started.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw e;
        }
    }

    private static void awaitExit(Process process) {
        while (true) {
            try {
                process.waitFor();
                return;
            } catch (InterruptedException e) {
                // Ending this thread early would send the worker SIGTERM: keep waiting.
            }
        }
    }
}
