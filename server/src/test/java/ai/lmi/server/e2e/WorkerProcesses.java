package ai.lmi.server.e2e;

import java.time.Duration;
import java.util.List;

/** The Python worker processes this JVM's servers run, found by their command line, for fault injection. */
final class WorkerProcesses {

    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private WorkerProcesses() {}

    /** Every live descendant process whose command line runs {@code lmi_worker}. */
    static List<ProcessHandle> all() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains("-m lmi_worker"))
                .toList();
    }

    /** The live worker of tensor-parallel rank {@code rank}, found by its {@code --tp-rank} flag. */
    static ProcessHandle rank(int rank) {
        return TestServer.await("one worker of rank " + rank, DEADLINE, () -> all().stream()
                .filter(p -> p.info().commandLine().orElse("").contains(" --tp-rank " + rank + " ")).toList(),
                workers -> workers.size() == 1).get(0);
    }

    /** The one worker running, once the workers of servers closed before are gone. */
    static ProcessHandle only() {
        return TestServer.await("exactly one worker process", DEADLINE, WorkerProcesses::all,
                workers -> workers.size() == 1).get(0);
    }
}
