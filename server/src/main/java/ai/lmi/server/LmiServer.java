package ai.lmi.server;

import ai.lmi.server.config.ConfigException;
import ai.lmi.server.config.ServingConfig;
import ai.lmi.server.config.ServingConfigLoader;
import ai.lmi.server.config.Task;
import ai.lmi.server.embedding.EmbeddingService;
import ai.lmi.server.embedding.EmbeddingServiceSettings;
import ai.lmi.server.http.HttpServer;
import ai.lmi.server.http.HttpServerSettings;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.model.ModelRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The daemon: the HTTP front end and one model, per {@code option.task} either generative (the engine loop and its
 * Python worker) or an embedding model (in-process), on two listeners: the inference routes on {@code port}, the
 * management routes on {@code management_address}. Both open first, so {@code /ping} answers 503 while the model
 * loads.
 */
public final class LmiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LmiServer.class);
    /// where the launcher says the Python worker package lives
    public static final String PYTHON_WORKER_DIR_ENV = "LMI_PYTHON_WORKER_DIR";

    private final String modelName;
    private final ModelRuntime model;
    private final HttpServer http;
    private final HttpServer management;
    private final AtomicBoolean closed = new AtomicBoolean();
    private int port;
    private int managementPort;

    /** @param pythonWorkerDir the python-worker directory; unused for an embedding model */
    public LmiServer(ServingConfig config, Path modelDir, Path pythonWorkerDir) throws IOException {
        ServerMetrics metrics = new ServerMetrics();
        HttpServerSettings httpSettings = HttpServerSettings.from(config);
        HttpServerSettings managementSettings = HttpServerSettings.management(config);
        this.modelName = config.modelName();
        if (config.task() == Task.TEXT_EMBEDDING) {
            EmbeddingService embeddings =
                    new EmbeddingService(EmbeddingServiceSettings.from(config, modelDir), metrics);
            this.model = embeddings;
            this.http = new HttpServer(httpSettings, embeddings, metrics);
            this.management = HttpServer.management(managementSettings, embeddings);
        } else {
            GenerationRuntime generation = new GenerationRuntime(config, modelDir, pythonWorkerDir, metrics);
            this.model = generation;
            this.http = new HttpServer(httpSettings, generation.service(), metrics);
            this.management = HttpServer.management(managementSettings, generation.service());
        }
    }

    /** Opens both listeners, then loads the model; returns the inference port once it serves. */
    public int start() throws Exception {
        port = http.start();
        managementPort = management.start();
        log.info("serving {} on port {} (management on port {}): {}", modelName, port, managementPort,
                model.start());
        return port;
    }

    /** The inference listener's port, once started. */
    public int port() {
        return port;
    }

    /** The management listener's port, once started. */
    public int managementPort() {
        return managementPort;
    }

    /**
     * SIGTERM's answer: new requests and {@code /ping} get 503 at once, the requests in flight get up to
     * {@code grace} to finish, then everything closes. True when none had to be cut off.
     */
    public boolean shutdownGracefully(Duration grace) throws InterruptedException {
        boolean drained = model.drain(grace);
        close();
        return drained;
    }

    /** Closes at once; requests in flight end with an error. Safe to call again (the shutdown hook does). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        http.close();
        management.close();
        model.close();
    }

    public static void main(String[] args) {
        Map<String, String> environment = System.getenv();
        ServingConfig config;
        try {
            config = ServingConfigLoader.load(Arrays.asList(args), environment);
        } catch (ConfigException e) {
            log.error("invalid configuration:\n{}", e.getMessage());
            System.exit(2);
            return;
        }
        log.info("configuration: {}", config);
        Path modelDir = config.modelId().orElse(null);
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            log.error("option.model_id {} is not a local model directory; this server never downloads models: "
                    + "pass --model DIR or set HF_MODEL_ID to a directory", modelDir == null ? "(unset)" : modelDir);
            System.exit(1);
            return;
        }
        String workerDir = environment.get(PYTHON_WORKER_DIR_ENV);
        boolean needsWorker = config.task() == Task.TEXT_GENERATION;
        if (needsWorker && (workerDir == null || !Files.isDirectory(Path.of(workerDir, "lmi_worker")))) {
            log.error("{} must name the python-worker directory (holding lmi_worker); it is {}",
                    PYTHON_WORKER_DIR_ENV, workerDir);
            System.exit(1);
            return;
        }
        try {
            LmiServer server = new LmiServer(config, modelDir, workerDir == null ? null : Path.of(workerDir));
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "lmi-shutdown"));
            onSigterm(server, config.gracefulShutdownTimeout());
            server.start();
        } catch (Exception e) {
            log.error("the server could not start: {}", e.getMessage());
            System.exit(1);
        }
    }

    // A container runtime stops with SIGTERM, then SIGKILL after its own grace period: drain, then exit 0.
    private static void onSigterm(LmiServer server, Duration grace) {
        Signal.handle(new Signal("TERM"), signal -> new Thread(() -> {
            log.info("SIGTERM: no new requests; shutting down within {} s", grace.toSeconds());
            try {
                server.shutdownGracefully(grace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("shut down");
            System.exit(0);
        }, "lmi-sigterm").start());
    }
}
