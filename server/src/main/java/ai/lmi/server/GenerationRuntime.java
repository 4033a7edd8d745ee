package ai.lmi.server;

import ai.lmi.server.config.ServingConfig;
import ai.lmi.server.engine.EngineLoop;
import ai.lmi.server.engine.EngineSettings;
import ai.lmi.server.engine.WorkerLauncher;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.model.ModelRuntime;
import ai.lmi.server.tokenizer.Tokenizer;
import ai.lmi.server.worker.WorkerCapacity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A generative model: its tokenizer, and the engine loop that drives its Python worker. */
final class GenerationRuntime implements ModelRuntime {

    private final Tokenizer tokenizer;
    private final EngineLoop engine;

    GenerationRuntime(ServingConfig config, Path modelDir, Path pythonWorkerDir, ServerMetrics metrics)
            throws IOException {
        this.tokenizer = Tokenizer.load(modelDir);
        this.engine = new EngineLoop(EngineSettings.from(config, modelDir), tokenizer, metrics,
                WorkerLauncher.from(config, modelDir, pythonWorkerDir));
    }

    GenerationService service() {
        return engine;
    }

    @Override
    public String start() throws Exception {
        WorkerCapacity capacity = engine.start();
        return capacity.numBlocks() + " KV blocks of " + capacity.blockSize() + " tokens, max_model_len "
                + capacity.maxModelLen();
    }

    @Override
    public boolean drain(Duration grace) throws InterruptedException {
        return engine.drain(grace);
    }

    @Override
    public void close() {
        engine.close();
        tokenizer.close();
    }
}
