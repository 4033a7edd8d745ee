package ai.lmi.server.engine;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.adapter.AdapterDirectory;
import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.NewSequence;
import ai.lmi.server.generation.GenerationHandle;
import ai.lmi.server.generation.GenerationRequest;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.generation.TokenSink;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.metrics.StepPhase;
import ai.lmi.server.model.InFlightRequests;
import ai.lmi.server.model.ModelDescription;
import ai.lmi.server.model.ModelMemory;
import ai.lmi.server.scheduler.BlockPool;
import ai.lmi.server.scheduler.KvCacheManager;
import ai.lmi.server.scheduler.Request;
import ai.lmi.server.scheduler.ScheduledSequence;
import ai.lmi.server.scheduler.Scheduler;
import ai.lmi.server.scheduler.SchedulerConfig;
import ai.lmi.server.scheduler.StepPlan;
import ai.lmi.server.scheduler.TokenEvent;
import ai.lmi.server.structured.ConstraintState;
import ai.lmi.server.tokenizer.Tokenizer;
import ai.lmi.server.worker.AdapterRefusedException;
import ai.lmi.server.worker.StepError;
import ai.lmi.server.worker.StepOutput;
import ai.lmi.server.worker.WorkerCapacity;
import ai.lmi.server.worker.WorkerException;
import ai.lmi.server.worker.WorkerGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served model: one thread owns the scheduler, the worker and every accepted request, and runs
 * steps while there is work. Other threads only enqueue commands, so none of its state is locked.
 *
 * <p>If the worker dies (any rank of its tensor-parallel group), hangs or breaks the protocol, {@link #isReady()}
 * turns false and the loop starts a new worker, all its ranks, after a backoff; every request in flight is kept and
 * re-admitted on it, its prompt and the tokens generated so far computed again as after a preemption, and goes on
 * where it stopped: its client sees a pause, not an error.
 * Requests submitted meanwhile queue for the new worker. A request that was in the batch of the steps
 * {@value #MAX_CRASHES_PER_REQUEST} workers died in fails instead, so one that crashes every worker cannot take
 * the server down. Past {@code worker_max_restarts} failures within {@code worker_restart_window_s} the loop gives
 * up: {@link #failure()} says why, and every request, queued or new, fails with it.
 */
public final class EngineLoop implements GenerationService, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineLoop.class);
    /// a request in the batch of this many dying steps is failed, not resumed again
    static final int MAX_CRASHES_PER_REQUEST = 3;

    private final EngineSettings settings;
    private final Tokenizer tokenizer;
    private final ServerMetrics metrics;
    private final WorkerLauncher launcher;
    private final LinkedBlockingQueue<EngineCommand> commands = new LinkedBlockingQueue<>();
    private final AtomicLong nextId = new AtomicLong();
    private final InFlightRequests accepted = new InFlightRequests();
    private final CompletableFuture<WorkerCapacity> firstStart = new CompletableFuture<>();
    private final WorkerRestartPolicy restarts;
    private final Thread thread;
    private volatile boolean ready;
    /// set by drain(): no new requests, while those accepted run to their end
    private volatile boolean draining;
    private volatile boolean closing;
    private volatile int maxModelLen;
    /// the current worker's report; null until the first one loaded
    private volatile ModelMemory memory;
    private volatile long workerPid;
    /// why the loop gave up on its worker; null while it serves or restarts
    private volatile String failure;

    // Owned by the engine thread.
    private final WorkerAdapters workerAdapters = new WorkerAdapters();
    private final OutputProcessor outputs;
    /// null when the model serves no adapters
    private final EngineAdapters adapters;
    private Scheduler scheduler;
    private WorkerGroup worker;
    /// requests of a dead worker, in order, for the next one to recompute
    private final List<Request> toResume = new ArrayList<>();
    /// the step being computed, null between steps: if the worker dies in it, its requests are the suspects
    private StepPlan stepInFlight;

    public EngineLoop(EngineSettings settings, Tokenizer tokenizer, ServerMetrics metrics, WorkerLauncher launcher) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.metrics = metrics;
        this.launcher = launcher;
        this.outputs = new OutputProcessor(tokenizer, metrics, accepted);
        this.adapters = settings.loraSlots() > 0
                ? new EngineAdapters(settings.maxLoraRank(), settings.modelName(), commands::add)
                : null;
        this.restarts = new WorkerRestartPolicy(settings.workerMaxRestarts(), settings.workerRestartWindow(),
                System::nanoTime);
        // The worker is spawned from this long-lived thread: its parent-death signal follows the spawning thread.
        this.thread = new Thread(this::run, "lmi-engine");
        this.thread.setDaemon(true);
    }

    /**
     * Starts the loop and waits for the first worker to load, then loads the adapters of {@code option.adapters};
     * a failed load of either is thrown here.
     */
    public WorkerCapacity start() throws Exception {
        thread.start();
        WorkerCapacity capacity;
        try {
            capacity = firstStart.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        if (adapters != null && settings.adaptersDir() != null) {
            AdapterDirectory.scan(settings.adaptersDir()).forEach(adapters::load);
        }
        return capacity;
    }

    @Override
    public AdapterService adapters() {
        return adapters == null ? AdapterService.DISABLED : adapters;
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, TokenSink sink) throws ServiceUnavailableException {
        String failed = failure;
        if (failed != null) {
            throw new ServiceUnavailableException(failed, 0);
        }
        // While a worker restarts, requests queue for it; only the first load turns them away.
        if (!firstStart.isDone() && !isShuttingDown()) {
            throw new ServiceUnavailableException("the model is not ready: its worker is starting", 5);
        }
        int prompt = request.promptIds().length;
        if (prompt == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (prompt + request.params().maxNewTokens() > maxModelLen) {
            throw new IllegalArgumentException("prompt tokens (" + prompt + ") + max new tokens ("
                    + request.params().maxNewTokens() + ") exceed max_model_len " + maxModelLen);
        }
        accepted.admit(this::isShuttingDown, settings.jobQueueSize());
        long id = nextId.incrementAndGet();
        commands.add(new EngineCommand.Submit(id, request, sink, System.nanoTime()));
        return () -> commands.add(new EngineCommand.Cancel(id));
    }

    @Override
    public boolean isReady() {
        return ready && !closing && !draining;
    }

    /** Once the first worker loaded, also while a new one starts: requests queue for it. */
    @Override
    public boolean acceptsRequests() {
        return firstStart.isDone() && !firstStart.isCompletedExceptionally() && failure == null && !closing
                && !draining;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public boolean isShuttingDown() {
        return draining || closing;
    }

    /**
     * Stops taking requests ({@link #isReady()} turns false, {@link #submit} answers "shutting down") and waits
     * up to {@code grace} for the accepted ones to finish. True when none is left.
     */
    public boolean drain(Duration grace) throws InterruptedException {
        draining = true;
        return accepted.awaitNone(System.nanoTime() + grace.toNanos());
    }

    @Override
    public ModelDescription model() {
        return new ModelDescription(settings.modelName(), settings.modelDir().toString(), maxModelLen,
                settings.createdEpochSeconds(), settings.effectiveConfig(), memory, launcher.tensorParallelDegree());
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The current worker's process id, for fault-injection tests. */
    long workerPid() {
        return workerPid;
    }

    /** Stops the loop and shuts the worker down; requests still in flight end with an error. */
    @Override
    public void close() {
        closing = true;
        ready = false;
        commands.add(new EngineCommand.Stop());
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!closing && failure == null) {
            try {
                startWorker();
                serve();
            } catch (WorkerException e) {
                ready = false;
                if (!firstStart.isDone()) {
                    failure = "the model worker could not start: " + e.getMessage();
                    firstStart.completeExceptionally(e);
                    return;
                }
                keepForNextWorker(e.getMessage());
                restartAfterBackoff(e.getMessage());
            } catch (RuntimeException e) {
                ready = false;
                if (!firstStart.isDone()) {
                    failure = "the model worker could not start: " + e.getMessage();
                    firstStart.completeExceptionally(e);
                    return;
                }
                // Our own bug, not the worker's: the state of the requests in flight cannot be trusted to go on.
                log.error("engine loop failed; restarting the worker", e);
                toResume.clear();
                scheduler = null;
                stepInFlight = null;
                outputs.failAll("internal error: " + e.getMessage());
                restartAfterBackoff(e.toString());
            } finally {
                stopWorker();
            }
        }
        if (failure == null) {
            outputs.failAll("the server is shutting down");
            return;
        }
        outputs.failAll(failure);
        refuseUntilStopped();
    }

    /** After giving up: whatever was queued, or races in, fails with the reason, until close(). */
    private void refuseUntilStopped() {
        while (true) {
            EngineCommand command;
            try {
                command = commands.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (command instanceof EngineCommand.Stop) {
                return;
            }
            if (command instanceof EngineCommand.Submit submit) {
                accepted.done();
                submit.sink().onError(failure);
            } else if (command instanceof EngineCommand.LoadAdapter load) {
                load.done().completeExceptionally(new IllegalStateException(failure));
            }
        }
    }

    private void startWorker() {
        worker = launcher.start();
        workerPid = worker.pid();
        WorkerCapacity capacity = worker.capacity();
        maxModelLen = capacity.maxModelLen();
        memory = new ModelMemory(capacity.weightBytes(), capacity.kvCacheBytes(),
                (long) capacity.numBlocks() * capacity.blockSize(), capacity.quantization());
        KvCacheManager kvCache = new KvCacheManager(new BlockPool(capacity.numBlocks()), capacity.blockSize(),
                settings.enablePrefixCaching());
        scheduler = new Scheduler(new SchedulerConfig(settings.maxNumSeqs(), settings.maxNumBatchedTokens(),
                capacity.maxModelLen(), capacity.eosTokenIds(), settings.enableChunkedPrefill(), settings.batching(),
                settings.loraSlots(), settings.speculativeLength()), kvCache);
        for (Adapter refused : workerAdapters.reloadAll(worker)) {
            adapters.dropped(refused);
        }
        resumeOnNewWorker();
        metrics.recordSchedulerStats(scheduler.stats());
        ready = true;
        firstStart.complete(capacity);
    }

    /** The dead worker's requests wait for the next worker, but those its last step crashed too often fail. */
    private void keepForNextWorker(String cause) {
        List<ScheduledSequence> suspects = stepInFlight == null ? List.of() : stepInFlight.sequences();
        stepInFlight = null;
        if (scheduler != null) {
            toResume.addAll(scheduler.evictAll());
            scheduler = null;
        }
        for (ScheduledSequence suspect : suspects) {
            long id = suspect.requestId();
            ActiveGeneration generation = outputs.get(id);
            if (generation != null && generation.survivedCrash() >= MAX_CRASHES_PER_REQUEST) {
                toResume.removeIf(request -> request.id() == id);
                log.error("request {} was in the batch of {} steps whose worker died; it fails", id,
                        MAX_CRASHES_PER_REQUEST);
                outputs.fail(id, "the model worker died " + MAX_CRASHES_PER_REQUEST
                        + " times while computing this request; it is not retried: " + cause);
            }
        }
        log.error("the worker failed: {}; {} requests in flight wait for the next worker", cause, toResume.size());
    }

    private void resumeOnNewWorker() {
        if (toResume.isEmpty()) {
            return;
        }
        int resumed = 0;
        for (Request request : toResume) {
            if (outputs.get(request.id()) == null) {
                continue;
            }
            if (!adapterLoaded(request.adapterId())) {
                outputs.fail(request.id(), "the new worker could not load this request's LoRA adapter");
                continue;
            }
            try {
                scheduler.resume(request);
                resumed++;
            } catch (IllegalArgumentException e) {
                outputs.fail(request.id(), "the new worker cannot take this request back: " + e.getMessage());
            }
        }
        toResume.clear();
        metrics.countResumedRequests(resumed);
        log.info("re-admitted {} requests on the new worker", resumed);
    }

    /** Waits the policy's backoff before the next start; gives up for good when the restarts are spent. */
    private void restartAfterBackoff(String cause) {
        Optional<Duration> backoff = restarts.onFailure();
        if (backoff.isEmpty()) {
            giveUp(cause);
            return;
        }
        log.warn("restarting the worker in {} ms ({} of worker_max_restarts {} within {} s)",
                backoff.get().toMillis(), restarts.failuresInWindow(), restarts.maxRestarts(),
                restarts.window().toSeconds());
        metrics.countWorkerRestart();
        sleep(backoff.get());
    }

    private void giveUp(String cause) {
        failure = "the model worker failed " + restarts.failuresInWindow() + " times within "
                + restarts.window().toSeconds() + " s (worker_max_restarts " + restarts.maxRestarts()
                + ", worker_restart_window_s " + restarts.window().toSeconds() + "), last: " + cause
                + "; this server no longer serves the model and needs a restart";
        log.error("{}", failure);
        toResume.clear();
    }

    private void serve() {
        while (!closing) {
            if (!drainCommands(!scheduler.hasWork())) {
                return;
            }
            long scheduleStart = System.nanoTime();
            StepPlan plan = scheduler.schedule();
            if (plan.isEmpty()) {
                continue;
            }
            StepOutput output;
            long sent = System.nanoTime();
            stepInFlight = plan;
            try {
                output = worker.step(StepBatches.fromPlan(plan, this::constraintOf));
            } catch (StepError e) {
                stepInFlight = null;
                // Our own plan was malformed: a bug, not the client's fault. Its requests end; the worker lives on.
                log.error("the worker rejected step {}: {}", plan.stepId(), e.getMessage());
                plan.sequences().forEach(s -> fail(s.requestId(), "internal error: " + e.getMessage()));
                continue;
            }
            long received = System.nanoTime();
            stepInFlight = null;
            deliver(plan, output);
            workerAdapters.freeUnused(worker, this::adapterInUse);
            long forwardNanos = (long) (output.forwardMs() * 1e6);
            long sampleNanos = (long) (output.sampleMs() * 1e6);
            metrics.observeStep(StepPhase.FORWARD, forwardNanos);
            metrics.observeStep(StepPhase.SAMPLE, sampleNanos);
            metrics.observeStep(StepPhase.IPC, Math.max(0, received - sent - forwardNanos - sampleNanos));
            metrics.observeStep(StepPhase.SCHEDULE, (sent - scheduleStart) + (System.nanoTime() - received));
            // A step that only tells the worker to forget finished sequences is no batch.
            if (!plan.sequences().isEmpty()) {
                metrics.observeStepBatch(plan.sequences().size(), plan.numTokens());
            }
            metrics.recordSchedulerStats(scheduler.stats());
        }
    }

    private ConstraintState constraintOf(long requestId) {
        ActiveGeneration generation = outputs.get(requestId);
        return generation == null ? null : generation.constraint();
    }

    /** Applies queued commands; waits for one when {@code block}. False when told to stop. */
    private boolean drainCommands(boolean block) {
        EngineCommand command;
        try {
            command = block ? commands.take() : commands.poll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (command == null) {
            return true;
        }
        while (command != null) {
            if (command instanceof EngineCommand.Stop) {
                return false;
            } else if (command instanceof EngineCommand.Submit submit) {
                admit(submit);
            } else if (command instanceof EngineCommand.Cancel cancel) {
                cancel(cancel.requestId());
            } else if (command instanceof EngineCommand.LoadAdapter load) {
                loadAdapter(load);
            } else if (command instanceof EngineCommand.RetireAdapter retire) {
                workerAdapters.retire(retire.adapterId());
            }
            command = commands.poll();
        }
        workerAdapters.freeUnused(worker, this::adapterInUse);
        // While idle no step records them: a cancellation must still show in the gauges.
        metrics.recordSchedulerStats(scheduler.stats());
        return true;
    }

    private void loadAdapter(EngineCommand.LoadAdapter load) {
        try {
            workerAdapters.load(worker, load.adapter());
            load.done().complete(null);
        } catch (RuntimeException e) {
            load.done().completeExceptionally(e);
            if (!(e instanceof AdapterRefusedException)) {
                throw e;
            }
        }
    }

    private boolean adapterLoaded(int adapterId) {
        return adapterId == NewSequence.NO_ADAPTER || workerAdapters.isLoaded(adapterId);
    }

    /** Whether a request not ended, or a sequence in the worker, uses adapter {@code adapterId}. */
    private boolean adapterInUse(int adapterId) {
        return outputs.usesAdapter(adapterId) || scheduler.workerHoldsAdapter(adapterId);
    }

    private void admit(EngineCommand.Submit submit) {
        GenerationRequest request = submit.request();
        if (!adapterLoaded(request.adapterId())) {
            accepted.done();
            submit.sink().onError("the LoRA adapter this request named was unloaded before it started");
            return;
        }
        try {
            scheduler.add(new Request(submit.requestId(), request.promptIds(), request.params(),
                    request.adapterId()));
        } catch (IllegalArgumentException e) {
            accepted.done();
            submit.sink().onError(e.getMessage());
            return;
        }
        outputs.add(submit.requestId(),
                new ActiveGeneration(request, submit.sink(), tokenizer, submit.submittedNanos()));
    }

    private void cancel(long requestId) {
        scheduler.abort(requestId);
        outputs.cancel(requestId);
    }

    private void deliver(StepPlan plan, StepOutput output) {
        Map<Long, int[]> gained = OutputProcessor.sampledTokens(output);
        countSpeculation(plan, gained);
        List<TokenEvent> events = scheduler.update(plan, gained);
        for (long stopped : outputs.process(output, events)) {
            scheduler.finish(stopped, FinishReason.STOP_SEQUENCE);
        }
    }

    /** Slots offered to drafts, and drafts the worker kept: every row of a sequence but its last is one. */
    private void countSpeculation(StepPlan plan, Map<Long, int[]> gained) {
        long slots = 0;
        long accepted = 0;
        for (ScheduledSequence sequence : plan.sequences()) {
            int[] tokens = gained.get(sequence.requestId());
            if (sequence.lookahead() > 0 && tokens != null) {
                slots += sequence.lookahead();
                accepted += tokens.length - 1;
            }
        }
        if (slots > 0) {
            metrics.countSpeculation(slots, accepted);
        }
    }

    private void fail(long requestId, String message) {
        scheduler.finish(requestId, FinishReason.ERROR);
        outputs.fail(requestId, message);
    }

    private void stopWorker() {
        if (worker != null) {
            if (closing && worker.isAlive()) {
                worker.shutdown(Duration.ofSeconds(10));
            }
            worker.close();
            worker = null;
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
