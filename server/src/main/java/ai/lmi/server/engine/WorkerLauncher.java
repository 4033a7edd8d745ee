package ai.lmi.server.engine;

import ai.lmi.server.config.KvCacheDtype;
import ai.lmi.server.config.Quantization;
import ai.lmi.server.config.ServingConfig;
import ai.lmi.server.worker.EngineOptions;
import ai.lmi.server.worker.NodeLayout;
import ai.lmi.server.worker.WorkerGroup;
import ai.lmi.server.worker.WorkerSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the served model's worker group, one process per tensor-parallel rank, with the configured engine options. */
public final class WorkerLauncher {
    private static final Logger log = LoggerFactory.getLogger(WorkerLauncher.class);

    private final WorkerSettings settings;
    private final EngineOptions options;
    private final int tensorParallelDegree;
    private final NodeLayout nodes;

    public WorkerLauncher(WorkerSettings settings, EngineOptions options, int tensorParallelDegree) {
        this(settings, options, tensorParallelDegree, NodeLayout.SINGLE);
    }

    /**
     * @throws IllegalArgumentException when the degree does not split over the nodes
     */
    public WorkerLauncher(WorkerSettings settings, EngineOptions options, int tensorParallelDegree, NodeLayout nodes) {
        nodes.localRanks(tensorParallelDegree);
        this.settings = settings;
        this.options = options;
        this.tensorParallelDegree = tensorParallelDegree;
        this.nodes = nodes;
    }

    public static WorkerLauncher from(ServingConfig config, Path modelDir, Path pythonWorkerDir) {
        WorkerSettings settings = WorkerSettings.defaults(pythonWorkerDir)
                .withPythonExecutable(config.pythonExecutable().map(Path::toString).orElse(null))
                .withStartTimeout(config.workerStartupTimeout());
        EngineOptions options = EngineOptions.forModel(modelDir.toString())
                .withDtype(config.dtype().configName())
                .withQuantize(config.quantize().map(Quantization::configName).orElse(null))
                .withKvCacheDtype(config.kvCacheDtype() == KvCacheDtype.AUTO ? null : config.kvCacheDtype().configName())
                .withDevice(config.device().configName())
                .withMaxModelLen(config.maxModelLen().isPresent() ? config.maxModelLen().getAsInt() : null)
                .withBlockSize(config.blockSize())
                .withKvCacheBytes(config.kvCacheBytes().isPresent() ? config.kvCacheBytes().getAsLong() : null)
                .withGpuMemoryUtilization(config.gpuMemoryUtilization())
                .withMaxNumSeqs(config.maxRollingBatchSize())
                .withLora(config.enableLora() ? config.maxLoras() : 0, config.maxLoraRank())
                .withSpeculativeDraftModel(config.speculativeDraftModel().map(Path::toString).orElse(null));
        return new WorkerLauncher(settings, options, config.tensorParallelDegree(),
                NodeLayout.fromEnvironment(System.getenv()));
    }

    /** {@code option.tensor_parallel_degree}: the ranks of each group this starts. */
    public int tensorParallelDegree() {
        return tensorParallelDegree;
    }

    /** Spawns and loads a worker group; may be called on any thread (each rank has a parent thread of its own). */
    public WorkerGroup start() {
        log.info("starting a worker for {} (tensor_parallel_degree {}{})", options.modelDir(), tensorParallelDegree,
                nodes.nodes() == 1 ? "" : ", " + nodes.localRanks(tensorParallelDegree) + " of its ranks here, on the "
                        + "leader of " + nodes.nodes() + " nodes meeting at " + nodes.leaderHost() + ":"
                        + nodes.leaderPort());
        WorkerGroup group = WorkerGroup.start(settings, options, tensorParallelDegree, nodes,
                (stage, fraction) -> log.info("worker loading {}: {}%", stage, Math.round(fraction * 100)));
        List<Long> pids = group.pids();
        log.info("worker group for {} serves: tensor_parallel_degree {}, {}", options.modelDir(), tensorParallelDegree,
                IntStream.range(0, pids.size()).mapToObj(rank -> "rank " + rank + " pid " + pids.get(rank))
                        .collect(Collectors.joining(", ")));
        return group;
    }
}
