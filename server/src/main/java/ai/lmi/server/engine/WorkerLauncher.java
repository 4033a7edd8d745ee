package ai.lmi.server.engine;

import ai.lmi.server.config.KvCacheDtype;
import ai.lmi.server.config.Quantization;
import ai.lmi.server.config.ServingConfig;
import ai.lmi.server.worker.EngineOptions;
import ai.lmi.server.worker.WorkerProcess;
import ai.lmi.server.worker.WorkerSettings;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts a worker process for the served model with the configured engine options. */
public final class WorkerLauncher {
    private static final Logger log = LoggerFactory.getLogger(WorkerLauncher.class);

    private final WorkerSettings settings;
    private final EngineOptions options;

    public WorkerLauncher(WorkerSettings settings, EngineOptions options) {
        this.settings = settings;
        this.options = options;
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
                .withLora(config.enableLora() ? config.maxLoras() : 0, config.maxLoraRank());
        return new WorkerLauncher(settings, options);
    }

    /** Spawns and loads a worker; called on the engine thread, which stays alive as its parent. */
    public WorkerProcess start() {
        log.info("starting a worker for {}", options.modelDir());
        return WorkerProcess.start(settings, options,
                (stage, fraction) -> log.info("worker loading {}: {}%", stage, Math.round(fraction * 100)));
    }
}
