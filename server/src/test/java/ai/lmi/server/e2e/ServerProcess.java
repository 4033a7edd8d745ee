package ai.lmi.server.e2e;

import ai.lmi.server.LmiServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real server process, started the way the launcher starts it: this JVM's class path, the Python worker's dir. */
final class ServerProcess {

    private ServerProcess() {}

    /** Serves {@code modelDir} on 127.0.0.1 and a free port; {@code args} are more command-line settings. */
    static ProcessBuilder builder(Path modelDir, String... args) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), LmiServer.class.getName(),
                "--model", modelDir.toString(), "--port", "0", "--bind_address", "127.0.0.1",
                "--management_address", TestServer.ANY_LOCAL_PORT));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put(LmiServer.PYTHON_WORKER_DIR_ENV, TestServer.pythonWorker().toString());
        builder.redirectErrorStream(true);
        return builder;
    }
}
