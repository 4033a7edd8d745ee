package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact command lines of a lone worker, of rank 0 and of a follower in a tensor-parallel group. */
class WorkerCommandTest {

    private static final WorkerPaths PATHS = new WorkerPaths(Path.of("/tmp/lmi-worker-1"),
            Path.of("/tmp/lmi-worker-1/worker.sock"), Path.of("/dev/shm/lmi-worker-7-abc"));
    private static final MasterAddress MASTER = new MasterAddress("127.0.0.1", 29517);
    private static final WorkerSettings SETTINGS = WorkerSettings.defaults(Path.of("python-worker"));

    @Test
    void aLoneWorkerHasNoTensorParallelFlags() {
        assertEquals(List.of("/usr/bin/python3", "-m", "lmi_worker", "--socket", "/tmp/lmi-worker-1/worker.sock",
                "--shm", "/dev/shm/lmi-worker-7-abc", "--spin-us", "50"),
                WorkerCommand.rankZero("/usr/bin/python3", PATHS, SETTINGS));
    }

    @Test
    void rankZeroOfAGroupGetsItsRankBeforeTheExtraFlags() {
        WorkerSettings settings = WorkerGroup.rankZeroSettings(
                SETTINGS.withExtraArguments(List.of("--log-level", "DEBUG")), new TensorParallelRank(0, 2, MASTER));
        assertEquals(List.of("/usr/bin/python3", "-m", "lmi_worker", "--socket", "/tmp/lmi-worker-1/worker.sock",
                "--shm", "/dev/shm/lmi-worker-7-abc", "--spin-us", "50", "--tp-rank", "0", "--tp-size", "2",
                "--tp-master", "127.0.0.1:29517", "--log-level", "DEBUG"),
                WorkerCommand.rankZero("/usr/bin/python3", PATHS, settings));
    }

    @Test
    void aFollowerHasNoSocketOrSharedMemory() {
        assertEquals(List.of("/usr/bin/python3", "-m", "lmi_worker", "--tp-rank", "3", "--tp-size", "4",
                "--tp-master", "127.0.0.1:29517", "--log-level", "INFO"),
                WorkerCommand.follower("/usr/bin/python3", new TensorParallelRank(3, 4, MASTER), SETTINGS.logLevel()));
    }

    @Test
    void aFollowerLogsAtTheLevelTheExtraFlagsAskRankZeroFor() {
        assertEquals("WARNING", SETTINGS.withExtraArguments(List.of("--log-level", "WARNING")).logLevel());
        assertEquals("INFO", SETTINGS.withExtraArguments(List.of("--engine", "x:Y")).logLevel());
    }

    @Test
    void everyRankStartsInTheWorkersEnvironmentWithItsOutputMerged() {
        ProcessBuilder builder = WorkerCommand.processBuilder(List.of("python3"), Path.of("python-worker"));
        Map<String, String> env = builder.environment();
        String workerDir = Path.of("python-worker").toAbsolutePath().toString();
        String inherited = System.getenv("PYTHONPATH");
        assertEquals(inherited == null || inherited.isEmpty() ? workerDir
                : workerDir + File.pathSeparator + inherited, env.get("PYTHONPATH"));
        assertEquals(System.getenv().getOrDefault("OMP_WAIT_POLICY", "PASSIVE"), env.get("OMP_WAIT_POLICY"));
        assertFalse(env.containsKey("OPTION_API_KEY"));
        assertTrue(builder.redirectErrorStream());
        assertEquals(Redirect.from(new File("/dev/null")), builder.redirectInput());
    }

    @Test
    void aRankOutsideItsGroupIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TensorParallelRank(2, 2, MASTER));
        assertThrows(IllegalArgumentException.class, () -> new TensorParallelRank(0, 1, MASTER));
    }
}
