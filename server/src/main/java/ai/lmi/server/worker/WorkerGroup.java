package ai.lmi.server.worker;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker processes that serve one model: one per tensor-parallel rank ({@code option.tensor_parallel_degree}).
 * Rank 0 is a {@link WorkerProcess}, the one this side talks to over the socket and the rings; ranks 1..N-1 are
 * {@link FollowerProcess}es that join rank 0 over torch.distributed and follow it step by step. A degree of 1 is
 * rank 0 alone, started exactly as a worker without tensor parallelism.
 *
 * <p>The ranks live and die together. When any of them exits, the others are killed at once, so a step in flight
 * on rank 0 throws {@link WorkerDiedException} right away and the caller starts a new group. Threads as for
 * {@link WorkerProcess}: {@link #start} from any thread; {@link #step}, {@link #health}, the adapter calls and
 * {@link #shutdown} from one owning thread; {@link #kill} and {@link #isAlive} from any.
 */
public final class WorkerGroup implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerGroup.class);
    /// how long the followers get to exit by themselves once rank 0 has shut down
    private static final long FOLLOWER_EXIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long KILL_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int NO_RANK = -1;

    private final int degree;
    private final List<FollowerProcess> followers = new CopyOnWriteArrayList<>();
    /// set as soon as rank 0's process runs, before it loads
    private volatile WorkerProcess leader;
    /// the follower whose exit, while rank 0 still ran, ended the group
    private final AtomicInteger failedRank = new AtomicInteger(NO_RANK);
    /// set by shutdown and kill: ranks exiting from now on are expected to
    private volatile boolean stopping;

    private WorkerGroup(int degree) {
        this.degree = degree;
    }

    /**
     * Starts the {@code degree} ranks, followers first, then rank 0, which loads within
     * {@code settings.startTimeout()} as a lone worker does; each follower runs the same Python with the same
     * environment and {@code settings.logLevel()}.
     *
     * @throws WorkerStartException naming what failed: rank 0's failure with its last lines of output, or the
     *     follower that exited during the start with its exit status and last lines; no rank is left running
     */
    public static WorkerGroup start(WorkerSettings settings, EngineOptions options, int degree,
            LoadProgressListener progress) {
        return start(settings, options, degree, NodeLayout.SINGLE, progress);
    }

    /**
     * As {@link #start(WorkerSettings, EngineOptions, int, LoadProgressListener)}, over {@code nodes}: this machine
     * runs ranks 0 .. degree/nodes − 1, and the others join from their nodes at the leader's address.
     */
    public static WorkerGroup start(WorkerSettings settings, EngineOptions options, int degree, NodeLayout nodes,
            LoadProgressListener progress) {
        if (degree < 1) {
            throw new IllegalArgumentException("tensor_parallel_degree " + degree + " must be >= 1");
        }
        WorkerGroup group = new WorkerGroup(degree);
        if (degree == 1) {
            group.leader = WorkerProcess.start(settings, options, progress);
            return group;
        }
        try {
            group.launch(settings, options, nodes, progress);
        } catch (IOException e) {
            group.kill();
            throw new WorkerStartException("cannot start the worker group's ranks: " + e, e);
        } catch (WorkerException e) {
            group.kill();
            throw group.startFailure(e);
        } catch (RuntimeException | Error e) {
            group.kill();
            throw e;
        }
        FollowerProcess exited = group.failedFollower();
        if (exited == null) {
            exited = group.followers.stream().filter(f -> !f.isAlive()).findFirst().orElse(null);
        }
        if (exited != null) {
            group.kill();
            throw new WorkerStartException("the worker group could not start: " + exited.describeExit()
                    + " as rank 0 finished loading" + exited.lastOutput());
        }
        int reported = group.leader.capacity().tensorParallelDegree();
        if (reported != degree) {
            group.kill();
            throw new WorkerStartException("rank 0 reports tensor_parallel_degree " + reported + " for a group of "
                    + degree + " ranks");
        }
        return group;
    }

    private void launch(WorkerSettings settings, EngineOptions options, NodeLayout nodes,
            LoadProgressListener progress) throws IOException {
        String python = PythonFinder.find(settings.pythonExecutable(), System.getenv());
        int local = nodes.localRanks(degree);
        MasterAddress master = nodes.nodes() == 1 ? MasterAddress.onFreeLoopbackPort()
                : new MasterAddress(nodes.leaderHost(), nodes.leaderPort());
        for (int rank = 1; rank < local; rank++) {
            followers.add(FollowerProcess.spawn(python, new TensorParallelRank(rank, degree, master, local), settings,
                    this::onFollowerExit));
        }
        WorkerProcess.start(rankZeroSettings(settings, new TensorParallelRank(0, degree, master, local)), options,
                progress, this::onLeaderSpawned);
    }

    /** Rank 0's settings: the tensor-parallel flags before any extra ones. */
    static WorkerSettings rankZeroSettings(WorkerSettings settings, TensorParallelRank rank) {
        return settings.withExtraArguments(
                Stream.concat(rank.arguments().stream(), settings.extraArguments().stream()).toList());
    }

    private void onLeaderSpawned(WorkerProcess worker) {
        leader = worker;
        worker.onExit().thenRun(this::onLeaderExit);
        if (failedRank.get() != NO_RANK) {
            worker.kill(); // a follower died before rank 0 existed: its load would wait for it in vain
        }
    }

    private void onLeaderExit() {
        if (!stopping && followers.stream().anyMatch(FollowerProcess::isAlive)) {
            LOG.warn("rank 0 exited; killing the rest of its group");
            followers.forEach(FollowerProcess::destroy);
        }
    }

    private void onFollowerExit(TensorParallelRank rank, Process process) {
        if (stopping) {
            return;
        }
        WorkerProcess rankZero = leader;
        // A follower that exits after rank 0 did only followed it out: rank 0's failure is the one to report.
        if ((rankZero == null || rankZero.isAlive()) && failedRank.compareAndSet(NO_RANK, rank.rank())) {
            LOG.error("worker {} (rank {}) exited ({}); killing the rest of its group", process.pid(), rank.rank(),
                    WorkerProcess.describeExit(process));
        }
        followers.forEach(FollowerProcess::destroy);
        if (rankZero != null) {
            rankZero.kill();
        }
    }

    private FollowerProcess failedFollower() {
        int rank = failedRank.get();
        return followers.stream().filter(f -> f.rank() == rank).findFirst().orElse(null);
    }

    private WorkerStartException startFailure(WorkerException rankZero) {
        FollowerProcess failed = failedFollower();
        if (failed != null) {
            return new WorkerStartException("the worker group could not start: " + failed.describeExit()
                    + failed.lastOutput() + "\nrank 0: " + rankZero.getMessage(), rankZero);
        }
        return rankZero instanceof WorkerStartException start ? start
                : new WorkerStartException(rankZero.getMessage(), rankZero);
    }

    /** Rank 0's exception, saying first which follower's exit ended the group if one did. */
    private WorkerDiedException groupEnded(WorkerDiedException rankZero) {
        FollowerProcess failed = failedFollower();
        return failed == null ? rankZero
                : new WorkerDiedException(failed.describeExit() + ", which ended its group: " + rankZero.getMessage());
    }

    private <T> T onRankZero(Function<WorkerProcess, T> call) {
        try {
            return call.apply(leader);
        } catch (WorkerDiedException e) {
            throw groupEnded(e);
        }
    }

    /** The ranks, {@code option.tensor_parallel_degree}. */
    public int degree() {
        return degree;
    }

    /** The limits the loaded engine reported (rank 0's report, for the whole group). */
    public WorkerCapacity capacity() {
        return leader.capacity();
    }

    /** Rank 0's process id. */
    public long pid() {
        return leader.pid();
    }

    /** Every rank's process id, rank 0 first. */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        pids.add(leader.pid());
        followers.forEach(f -> pids.add(f.pid()));
        return pids;
    }

    /** Whether every rank runs and this side still holds rank 0's connection. */
    public boolean isAlive() {
        return leader.isAlive() && followers.stream().allMatch(FollowerProcess::isAlive);
    }

    /** {@link WorkerProcess#step} on rank 0; a {@link WorkerDiedException} names the rank that ended the group. */
    public StepOutput step(StepBatch batch) {
        return onRankZero(worker -> worker.step(batch));
    }

    /** {@link WorkerProcess#health} of rank 0. */
    public WorkerHealth health() {
        return onRankZero(WorkerProcess::health);
    }

    /** {@link WorkerProcess#registerAdapter} on rank 0. */
    public void registerAdapter(int id, String name, String dir) {
        onRankZero(worker -> {
            worker.registerAdapter(id, name, dir);
            return null;
        });
    }

    /** {@link WorkerProcess#unregisterAdapter} on rank 0. */
    public void unregisterAdapter(int id) {
        onRankZero(worker -> {
            worker.unregisterAdapter(id);
            return null;
        });
    }

    /**
     * Shuts rank 0 down as {@link WorkerProcess#shutdown} does; the followers exit by themselves once it has, and
     * are killed when they have not within 5 seconds. Returns 0 when every rank exited cleanly, else the first
     * nonzero exit status, rank 0's first.
     */
    public int shutdown(Duration timeout) {
        stopping = true;
        int status = leader.shutdown(timeout);
        long deadline = System.nanoTime() + FOLLOWER_EXIT_NANOS;
        for (FollowerProcess follower : followers) {
            if (!follower.awaitExit(deadline)) {
                LOG.warn("worker {} (rank {}) did not exit within 5 s of rank 0; killing it", follower.pid(),
                        follower.rank());
            }
        }
        kill();
        for (FollowerProcess follower : followers) {
            if (status == 0) {
                status = follower.exitStatus();
            }
        }
        return status;
    }

    /** Ends every rank at once (SIGKILL), waits for them to exit, and releases rank 0's socket and files. */
    public void kill() {
        stopping = true;
        followers.forEach(FollowerProcess::destroy);
        WorkerProcess rankZero = leader;
        if (rankZero != null) {
            rankZero.kill();
        }
        long deadline = System.nanoTime() + KILL_WAIT_NANOS;
        followers.forEach(f -> f.awaitExit(deadline));
    }

    /** Kills every rank that still runs; use {@link #shutdown} for a clean exit. */
    @Override
    public void close() {
        kill();
    }
}
