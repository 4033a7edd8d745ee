package ai.lmi.bench;

import ai.lmi.server.LmiServer;
import ai.lmi.server.config.ServingConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real LMI server in this JVM, on 127.0.0.1 and a free port, for the bench to measure. */
final class InProcessServer implements AutoCloseable {

    private final LmiServer server;
    private final String url;

    private InProcessServer(LmiServer server, String url) {
        this.server = server;
        this.url = url;
    }

    /** Serves {@code modelDir}; {@code settings} are more command-line settings. Returns once it serves. */
    static InProcessServer start(Path modelDir, String... settings) throws Exception {
        List<String> args = new ArrayList<>(List.of("--model", modelDir.toString(), "--port", "0",
                "--bind_address", "127.0.0.1", "--management_address", "http://127.0.0.1:0"));
        args.addAll(List.of(settings));
        LmiServer server = new LmiServer(ServingConfigLoader.load(args, Map.of()), modelDir,
                Path.of(System.getProperty("lmi.pythonWorker")));
        try {
            return new InProcessServer(server, "http://127.0.0.1:" + server.start());
        } catch (Exception e) {
            server.close();
            throw e;
        }
    }

    String url() {
        return url;
    }

    @Override
    public void close() {
        server.close();
    }
}
