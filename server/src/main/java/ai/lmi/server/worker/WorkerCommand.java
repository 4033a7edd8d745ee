package ai.lmi.server.worker;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command lines of worker processes, rank 0 and followers alike, and the one environment they all start in.
 */
final class WorkerCommand {

    private WorkerCommand() {
    }

    /** Rank 0 (or the only worker): the protocol's socket and shared memory, then the settings' extra flags. */
    static List<String> rankZero(String python, WorkerPaths paths, WorkerSettings settings) {
        List<String> command = new ArrayList<>(List.of(python, "-m", "lmi_worker", "--socket",
                paths.socket().toString(), "--shm", paths.sharedMemory().toString(), "--spin-us",
                Integer.toString(settings.spinMicros())));
        command.addAll(settings.extraArguments());
        return command;
    }

    /** A follower rank: no socket or shared memory; it takes its orders from rank 0 over torch.distributed. */
    static List<String> follower(String python, TensorParallelRank rank, String logLevel) {
        List<String> command = new ArrayList<>(List.of(python, "-m", "lmi_worker"));
        command.addAll(rank.arguments());
        command.addAll(List.of("--log-level", logLevel));
        return command;
    }

    /** {@code command} with stdin from /dev/null, stderr merged into stdout, and the worker's environment. */
    static ProcessBuilder processBuilder(List<String> command, Path pythonWorkerDir) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(new File("/dev/null"));
        Map<String, String> env = builder.environment();
        String workerDir = pythonWorkerDir.toAbsolutePath().toString();
        env.merge("PYTHONPATH", workerDir, (old, dir) -> old.isEmpty() ? dir : dir + File.pathSeparator + old);
        // Busy-waiting OpenMP threads fight OpenBLAS's for the cores (see python-worker/lmi_worker/__main__.py).
        env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        // The worker runs the model's code and never checks requests: it has no use for the API key.
        env.remove("OPTION_API_KEY");
        return builder;
    }
}
