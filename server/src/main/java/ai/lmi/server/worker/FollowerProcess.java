package ai.lmi.server.worker;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One follower rank of a tensor-parallel worker group ({@code python -m lmi_worker --tp-rank R ...}): it has no
 * socket or shared memory of its own, joins rank 0 over torch.distributed, loads its shard and follows rank 0
 * step by step. It exits 0 after rank 0 shut down cleanly, nonzero on any failure.
 */
final class FollowerProcess {

    private static final Logger LOG = LoggerFactory.getLogger(FollowerProcess.class);

    private final TensorParallelRank rank;
    private final Process process;
    private final WorkerLogForwarder logs;

    private FollowerProcess(TensorParallelRank rank, Process process) {
        this.rank = rank;
        this.process = process;
        this.logs = WorkerLogForwarder.start(process.getInputStream(), process.pid());
    }

    /**
     * Spawns rank {@code rank.rank()} from its own {@link WorkerParentThread}, as rank 0 is spawned; {@code onExit}
     * gets the rank and the process once it has exited.
     */
    static FollowerProcess spawn(String python, TensorParallelRank rank, WorkerSettings settings,
            BiConsumer<TensorParallelRank, Process> onExit) throws IOException {
        ProcessBuilder builder = WorkerCommand.processBuilder(
                WorkerCommand.follower(python, rank, settings.logLevel()), settings.pythonWorkerDir());
        Process process = WorkerParentThread.spawn(builder, "lmi-worker-rank-" + rank.rank() + "-parent",
                p -> {
                    LOG.info("worker {} (rank {}) exited ({})", p.pid(), rank.rank(), WorkerProcess.describeExit(p));
                    onExit.accept(rank, p);
                });
        return new FollowerProcess(rank, process);
    }

    int rank() {
        return rank.rank();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status, or -1 while it runs. */
    int exitStatus() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Ends it at once (SIGKILL), without waiting. */
    void destroy() {
        // Through the handle: Process.destroyForcibly also closes the output pipe, losing lines not yet forwarded.
        process.toHandle().destroyForcibly();
    }

    /** Waits until {@code deadlineNanos} ({@link System#nanoTime}) for it to exit; true once it has. */
    boolean awaitExit(long deadlineNanos) {
        try {
            return process.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** Which rank and process it was and how it ended, e.g. {@code rank 1 (worker 123) exited (exit status 1)}. */
    String describeExit() {
        return "rank " + rank.rank() + " (worker " + process.pid() + ") exited (" + WorkerProcess.describeExit(process)
                + ")";
    }

    /** Its last lines of output, once they ended, as {@code "; its last output:\n  ..."}; empty if there were none. */
    String lastOutput() {
        List<String> lines = logs.lastLines(1000);
        return lines.isEmpty() ? "" : "; its last output:\n  " + String.join("\n  ", lines);
    }
}
