package ai.lmi.server.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Python worker process ({@code python -m lmi_worker}) and the protocol connection to it: spawn,
 * handshake and engine load, then steps through the shared-memory rings, health and shutdown.
 *
 * <p>Threads. {@link #start} may be called from any thread: the worker is spawned from a dedicated
 * {@link WorkerParentThread} that lives exactly as long as the worker, because Linux sends the worker its
 * parent-death signal when the <em>thread</em> that spawned it ends, not the JVM. So callers need no long-lived
 * thread of their own, and a worker outliving the JVM gets SIGTERM. {@link #step}, {@link #health} and
 * {@link #shutdown} are meant for one owning thread (the scheduler's) and are serialized; {@link #kill} and
 * {@link #isAlive} may be called from any thread, and a kill makes a step in flight throw
 * {@link WorkerDiedException} at once.
 *
 * <p>Failures. A {@link StepError} fails one step and leaves the worker serving. Any {@link WorkerException}
 * means this worker is gone: it exited, or it broke the protocol or a time limit and was killed. Start a new
 * one; the caller still holds every prompt and generated token.
 */
public final class WorkerProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);
    private static final AtomicInteger SPAWNED = new AtomicInteger();
    private static final int DOORBELL_SLACK = 32; // unread doorbells allowed to pile up before draining them
    private static final long CONTROL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long EXIT_WAIT_SECONDS = 5;
    /// reading an adapter's weights from disk may take a while on a big model
    private static final long ADAPTER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final WorkerSettings settings;
    private final WorkerPaths paths;
    private final long spinNanos;
    private volatile Process process;
    private volatile ControlChannel control;
    private volatile boolean released;
    private WorkerLogForwarder logs;
    private SharedMemoryFile shm;
    private WorkerCapacity capacity;
    private boolean trustHead;
    private long lastStepId;
    private long resultsRead;

    private WorkerProcess(WorkerSettings settings, WorkerPaths paths) {
        this.settings = settings;
        this.paths = paths;
        this.spinNanos = TimeUnit.MICROSECONDS.toNanos(settings.spinMicros());
    }

    /**
     * Finds a Python, spawns the worker, checks its protocol version and loads the engine, all within
     * {@code settings.startTimeout()}.
     *
     * @throws WorkerStartException naming what failed, with the worker's last lines of output
     */
    public static WorkerProcess start(WorkerSettings settings, EngineOptions options, LoadProgressListener progress) {
        return start(settings, options, progress, worker -> { });
    }

    /**
     * {@link #start}, handing the worker to {@code spawned} as soon as its process runs, before it connects and
     * loads: a worker group kills it from there when another rank dies during the load.
     */
    static WorkerProcess start(WorkerSettings settings, EngineOptions options, LoadProgressListener progress,
            Consumer<WorkerProcess> spawned) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(progress, "progress");
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        String python = PythonFinder.find(settings.pythonExecutable(), System.getenv());
        WorkerProcess worker;
        try {
            worker = new WorkerProcess(settings, WorkerPaths.create());
        } catch (IOException e) {
            throw new WorkerStartException("cannot create a directory for the worker's socket: " + e, e);
        }
        try {
            worker.launch(python, options, progress, spawned, deadline);
        } catch (IOException | WorkerException e) {
            worker.kill();
            throw worker.startFailure(e);
        } catch (RuntimeException | Error e) {
            worker.kill();
            throw e;
        }
        WorkerCapacity c = worker.capacity;
        LOG.info("worker {} ({}) loaded {} on {} ({}): weights {} MiB (quantization {}), {} KV blocks of {} tokens "
                + "({} MiB), max_model_len {}", worker.pid(), python, c.architecture(), c.device(), c.dtype(),
                c.weightBytes() >> 20, c.quantization(), c.numBlocks(), c.blockSize(), c.kvCacheBytes() >> 20,
                c.maxModelLen());
        return worker;
    }

    // synchronized: the owning thread, whichever it is, sees what the start wrote (the monitor orders it).
    private synchronized void launch(String python, EngineOptions options, LoadProgressListener progress,
            Consumer<WorkerProcess> spawned, long deadline) throws IOException {
        shm = SharedMemoryFile.create(paths.sharedMemory(), settings.stepRingBytes(), settings.resultRingBytes());
        SocketChannel socket;
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(paths.socket()));
            process = WorkerParentThread.spawn(
                    WorkerCommand.processBuilder(WorkerCommand.rankZero(python, paths, settings),
                            settings.pythonWorkerDir()),
                    "lmi-worker-parent-" + SPAWNED.incrementAndGet(), this::onExit);
            logs = WorkerLogForwarder.start(process.getInputStream(), process.pid());
            spawned.accept(this);
            socket = accept(listener, deadline);
        }
        control = new ControlChannel(socket);
        ObjectNode hello = awaitControl("hello", deadline, LoadProgressListener.NONE);
        paths.deleteAll(); // the worker has both open now: nothing is left behind however either side ends
        if (hello.path("protocol_version").asInt(-1) != WorkerProtocol.VERSION) {
            throw new WorkerStartException("the worker speaks protocol version " + hello.get("protocol_version")
                    + ", this server version " + WorkerProtocol.VERSION);
        }
        trustHead = hello.path("release_stores").asBoolean(false);
        ObjectNode load = Frames.message("load");
        load.set("options", Frames.JSON.valueToTree(options));
        control.send(load, deadline);
        ObjectNode loaded = awaitControl("loaded", deadline, progress);
        if (!loaded.path("capacity").isObject()) {
            throw new WorkerStartException("the worker's 'loaded' message has no capacity object");
        }
        capacity = Frames.JSON.treeToValue(loaded.get("capacity"), WorkerCapacity.class);
    }

    private SocketChannel accept(ServerSocketChannel listener, long deadline) throws IOException {
        listener.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            listener.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                SocketChannel socket = listener.accept();
                if (socket != null) {
                    return socket;
                }
                if (!process.isAlive()) {
                    throw new WorkerStartException("the worker exited with status " + process.exitValue()
                            + " before connecting");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new WorkerStartException("the worker did not connect within " + settings.startTimeout());
                }
                selector.select(Math.min(50, TimeUnit.NANOSECONDS.toMillis(left) + 1));
                selector.selectedKeys().clear();
            }
        }
    }

    /** The limits the loaded engine reported. */
    public WorkerCapacity capacity() {
        return capacity;
    }

    /** The worker's process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the worker runs and this side still holds its connection. */
    public boolean isAlive() {
        return !released && process.isAlive();
    }

    /**
     * Runs one step and returns its result. Waits with a brief spin on the result ring, then sleeps on the
     * socket until the worker's doorbell, its death, or {@code settings.stepTimeout()}.
     *
     * @throws StepError              the worker rejected this step; it changed nothing and the worker serves on
     * @throws IllegalArgumentException the step is larger than half the step ring
     * @throws WorkerDiedException    the worker exited or closed its socket
     * @throws WorkerException        the worker broke the protocol or the time limit and was killed
     */
    public synchronized StepOutput step(StepBatch batch) {
        requireRunning();
        long stepId = lastStepId + 1;
        ByteBuffer message = StepCodec.encodeStep(stepId, batch);
        if (message.remaining() > shm.stepRing().maxMessage()) {
            throw new IllegalArgumentException("a step of " + message.remaining() + " bytes exceeds the step "
                    + "ring's limit of " + shm.stepRing().maxMessage() + "; raise the ring size or split the step");
        }
        lastStepId = stepId;
        long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
        try {
            publish(message, stepId, deadline);
            ByteBuffer result = awaitResult(stepId, deadline);
            StepOutput output;
            try {
                output = StepCodec.decodeResult(result);
            } catch (StepError e) {
                requireStepId(e.stepId(), stepId);
                throw e;
            }
            requireStepId(output.stepId(), stepId);
            return output;
        } catch (IOException e) {
            throw died("during step " + stepId);
        } catch (WorkerDiedException e) {
            throw e;
        } catch (WorkerException e) {
            kill();
            throw e;
        }
    }

    private void publish(ByteBuffer message, long stepId, long deadline) throws IOException {
        // The worker copies each step out before running it: the ring is full only while it catches up.
        while (!shm.stepRing().tryWrite(message)) {
            control.fill(0);
            if (control.eof() || !process.isAlive()) {
                throw died("before step " + stepId + " was sent");
            }
            if (System.nanoTime() > deadline) {
                throw new WorkerException("no room in the step ring for step " + stepId + " within "
                        + settings.stepTimeout() + "; the worker was killed");
            }
            LockSupport.parkNanos(20_000);
        }
        control.sendDoorbell(deadline);
    }

    private ByteBuffer awaitResult(long stepId, long deadline) throws IOException {
        if (!resultReady()) {
            long spinUntil = System.nanoTime() + spinNanos;
            while (!resultReady() && System.nanoTime() < spinUntil) {
                Thread.yield(); // the worker may share this core: spinning must not hold it
            }
            while (!resultReady()) {
                if (control.eof() || !process.isAlive()) {
                    control.fill(0); // a result published just before the end still counts
                    if (resultReady()) {
                        break;
                    }
                    throw died("during step " + stepId);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new WorkerException("step " + stepId + " did not finish within " + settings.stepTimeout()
                            + "; the worker was killed");
                }
                control.fill(left);
            }
        }
        resultsRead++;
        // Spinning leaves doorbells unread; the kernel charges each a whole socket buffer, so drain them.
        if (resultsRead - control.doorbells() > DOORBELL_SLACK) {
            control.fill(0);
        }
        return shm.resultRing().read();
    }

    private boolean resultReady() {
        // Where the worker's stores are not release stores, a record is safe only after its doorbell.
        return shm.resultRing().hasData() && (trustHead || control.doorbells() > resultsRead);
    }

    private void requireStepId(long got, long expected) {
        if (got != expected) {
            throw new WorkerException("the worker answered step " + got + " while step " + expected
                    + " was in flight; it was killed");
        }
    }

    /**
     * Asks the worker how it is; it answers between steps.
     *
     * @throws WorkerDiedException when the worker is gone
     * @throws WorkerException     when it does not answer within 10 seconds (it is killed)
     */
    public synchronized WorkerHealth health() {
        requireRunning();
        long deadline = System.nanoTime() + CONTROL_TIMEOUT_NANOS;
        try {
            control.send(Frames.message("health"), deadline);
            ObjectNode answer = awaitControl("health", deadline, LoadProgressListener.NONE);
            return new WorkerHealth(answer.path("ok").asBoolean(), answer.path("steps").asLong());
        } catch (IOException e) {
            throw died("while asked for its health");
        } catch (WorkerDiedException e) {
            throw e;
        } catch (WorkerException e) {
            kill();
            throw e;
        }
    }

    /**
     * Has the worker load the PEFT adapter in {@code dir} as adapter {@code id}, for new sequences to name.
     *
     * @throws AdapterRefusedException when the worker refuses it (the message says why); it serves on
     * @throws WorkerException         when the worker is gone or does not answer in time (it is killed)
     */
    public synchronized void registerAdapter(int id, String name, String dir) {
        ObjectNode message = Frames.message("register_adapter").put("id", id).put("name", name).put("path", dir);
        adapterCommand(message, "adapter_registered", "while loading adapter " + name);
    }

    /**
     * Has the worker free adapter {@code id}; no live sequence may use it.
     *
     * @throws AdapterRefusedException when the worker does not know it or a sequence still uses it
     * @throws WorkerException         when the worker is gone or does not answer in time (it is killed)
     */
    public synchronized void unregisterAdapter(int id) {
        adapterCommand(Frames.message("unregister_adapter").put("id", id), "adapter_unregistered",
                "while freeing adapter " + id);
    }

    private void adapterCommand(ObjectNode message, String success, String when) {
        requireRunning();
        long deadline = System.nanoTime() + ADAPTER_TIMEOUT_NANOS;
        ObjectNode answer;
        try {
            control.send(message, deadline);
            answer = awaitControl(List.of(success, "adapter_error"), deadline, LoadProgressListener.NONE);
        } catch (IOException e) {
            throw died(when);
        } catch (WorkerDiedException e) {
            throw e;
        } catch (WorkerException e) {
            kill();
            throw e;
        }
        if (answer.path("id").asInt() != message.path("id").asInt()) {
            kill();
            throw new WorkerException("the worker answered adapter " + answer.path("id").asInt() + " " + when);
        }
        if (answer.get("type").asText().equals("adapter_error")) {
            throw new AdapterRefusedException(answer.path("message").asText("(no message)"));
        }
    }

    /**
     * Asks the worker to exit, waits for it, kills it if it has not exited within {@code timeout}, releases
     * everything, and returns its exit status (0 for a clean shutdown).
     */
    public synchronized int shutdown(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!released && process.isAlive() && !control.eof()) {
                control.send(Frames.message("shutdown"), deadline);
                awaitControl("bye", deadline, LoadProgressListener.NONE);
            }
            if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.warn("worker {} did not exit within {} of shutdown; killing it", pid(), timeout);
            }
        } catch (IOException | WorkerException e) {
            LOG.warn("worker {} did not shut down cleanly ({}); killing it", pid(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
        return process.exitValue();
    }

    /** Ends the worker at once (SIGKILL), waits for it to exit, and releases the socket and files. */
    public void kill() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            awaitExit(p, EXIT_WAIT_SECONDS);
        }
        synchronized (this) {
            release();
        }
    }

    /** Kills the worker if it still runs and releases everything; use {@link #shutdown} for a clean exit. */
    @Override
    public void close() {
        kill();
    }

    /** Completes once the worker process has exited. */
    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** The socket and shm paths, for tests that check they are gone. */
    WorkerPaths paths() {
        return paths;
    }

    private void requireRunning() {
        if (released) {
            throw new WorkerDiedException("worker " + process.pid() + " is no longer running ("
                    + describeExit(process) + ")");
        }
    }

    private ObjectNode awaitControl(String type, long deadline, LoadProgressListener progress) throws IOException {
        return awaitControl(List.of(type), deadline, progress);
    }

    /** The next control message of one of {@code types}, reporting load progress on the way. */
    private ObjectNode awaitControl(List<String> types, long deadline, LoadProgressListener progress)
            throws IOException {
        String type = String.join("' or '", types);
        while (true) {
            ObjectNode message = control.poll();
            if (message == null) {
                boolean gone = control.eof() || !process.isAlive();
                control.fill(gone ? 0 : deadline - System.nanoTime()); // a gone worker's last words still count
                message = control.poll();
                if (message == null && gone) {
                    throw died("while waiting for its '" + type + "' message");
                }
                if (message == null && System.nanoTime() - deadline >= 0) {
                    throw new WorkerException("the worker sent no '" + type + "' message in time");
                }
                if (message == null) {
                    continue;
                }
            }
            String kind = message.get("type").asText();
            if (types.contains(kind)) {
                return message;
            } else if (kind.equals("error")) {
                throw new WorkerException("the worker failed: " + message.path("message").asText("(no message)"));
            } else if (kind.equals("progress")) {
                progress.onProgress(message.path("stage").asText(), message.path("fraction").asDouble());
            } else {
                LOG.warn("ignoring control message '{}' from worker {} while waiting for '{}'", kind, pid(), type);
            }
        }
    }

    private WorkerDiedException died(String when) {
        Process p = process;
        if (!awaitExit(p, EXIT_WAIT_SECONDS)) {
            p.destroyForcibly(); // it closed the socket but lives on: nothing more can be asked of it
            awaitExit(p, EXIT_WAIT_SECONDS);
        }
        release();
        return new WorkerDiedException("worker " + p.pid() + " died " + when + " (" + describeExit(p) + ")");
    }

    private WorkerStartException startFailure(Exception cause) {
        String reason = cause instanceof WorkerException ? cause.getMessage() : cause.toString();
        List<String> lines = logs == null ? List.of() : logs.lastLines(1000);
        String tail = lines.isEmpty() ? "" : "; the worker's last output:\n  " + String.join("\n  ", lines);
        return new WorkerStartException("the worker could not start: " + reason + tail, cause);
    }

    private void onExit(Process p) {
        ControlChannel c = control;
        if (c != null) {
            c.wakeup(); // a step or control wait in flight notices at once, even without an EOF
        }
        LOG.info("worker {} exited ({})", p.pid(), describeExit(p));
    }

    private synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        ControlChannel c = control;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("closing the worker's socket: {}", e.toString());
            }
        }
        paths.deleteAll();
    }

    private static boolean awaitExit(Process p, long seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    /** How {@code p} ended, e.g. {@code exit status 137, signal 9}, or {@code still running}. */
    static String describeExit(Process p) {
        if (p.isAlive()) {
            return "still running";
        }
        int status = p.exitValue();
        // The JDK reports death by signal N as 128 + N.
        return status > 128 ? "exit status " + status + ", signal " + (status - 128) : "exit status " + status;
    }
}
