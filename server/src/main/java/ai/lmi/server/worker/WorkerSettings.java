package ai.lmi.server.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to start and drive one worker process.
 *
 * @param pythonWorkerDir  the directory holding the lmi_worker package (put first on the worker's PYTHONPATH)
 * @param pythonExecutable option.python_executable; null to search (see {@link PythonFinder})
 * @param startTimeout     limit for the whole start: spawn, handshake and engine load
 * @param stepTimeout      limit for one step; past it the worker is presumed hung and killed
 * @param spinMicros       how long each side polls its ring before sleeping on the socket (0: never)
 * @param stepRingBytes    step ring capacity, a power of two; a step may take half of it
 * @param resultRingBytes  result ring capacity, a power of two; a result may take half of it
 * @param extraArguments   more command-line flags for the worker, e.g. {@code --log-level DEBUG}
 */
public record WorkerSettings(Path pythonWorkerDir, String pythonExecutable, Duration startTimeout,
                             Duration stepTimeout, int spinMicros, int stepRingBytes, int resultRingBytes,
                             List<String> extraArguments) {

    /** The reference parent's ring size: messages up to 4 MiB - 8 bytes. */
    public static final int DEFAULT_RING_BYTES = 8 << 20;

    public WorkerSettings {
        Objects.requireNonNull(pythonWorkerDir, "pythonWorkerDir");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(stepTimeout, "stepTimeout");
        extraArguments = List.copyOf(extraArguments);
        if (spinMicros < 0) {
            throw new IllegalArgumentException("spinMicros " + spinMicros + " must be >= 0");
        }
        ShmRing.checkCapacity(stepRingBytes);
        ShmRing.checkCapacity(resultRingBytes);
    }

    /** Python searched for, 10-minute start, 5-minute steps, 50 µs spin, 8 MiB rings. */
    public static WorkerSettings defaults(Path pythonWorkerDir) {
        return new WorkerSettings(pythonWorkerDir, null, Duration.ofMinutes(10), Duration.ofMinutes(5), 50,
                DEFAULT_RING_BYTES, DEFAULT_RING_BYTES, List.of());
    }

    /** The {@code --log-level} among the extra arguments, {@code INFO} (the worker's default) when they name none. */
    public String logLevel() {
        int flag = extraArguments.lastIndexOf("--log-level");
        return flag >= 0 && flag + 1 < extraArguments.size() ? extraArguments.get(flag + 1) : "INFO";
    }

    public WorkerSettings withPythonExecutable(String value) {
        return new WorkerSettings(pythonWorkerDir, value, startTimeout, stepTimeout, spinMicros, stepRingBytes,
                resultRingBytes, extraArguments);
    }

    public WorkerSettings withStartTimeout(Duration value) {
        return new WorkerSettings(pythonWorkerDir, pythonExecutable, value, stepTimeout, spinMicros,
                stepRingBytes, resultRingBytes, extraArguments);
    }

    public WorkerSettings withStepTimeout(Duration value) {
        return new WorkerSettings(pythonWorkerDir, pythonExecutable, startTimeout, value, spinMicros,
                stepRingBytes, resultRingBytes, extraArguments);
    }

    public WorkerSettings withSpinMicros(int value) {
        return new WorkerSettings(pythonWorkerDir, pythonExecutable, startTimeout, stepTimeout, value,
                stepRingBytes, resultRingBytes, extraArguments);
    }

    public WorkerSettings withRingBytes(int step, int result) {
        return new WorkerSettings(pythonWorkerDir, pythonExecutable, startTimeout, stepTimeout, spinMicros, step,
                result, extraArguments);
    }

    public WorkerSettings withExtraArguments(List<String> value) {
        return new WorkerSettings(pythonWorkerDir, pythonExecutable, startTimeout, stepTimeout, spinMicros,
                stepRingBytes, resultRingBytes, value);
    }
}
