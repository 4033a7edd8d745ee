package ai.lmi.server.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times Java → Python → Java step round trips through a real worker process whose engine answers at once
 * (lmi_worker.ipc.roundtrip:NullEngine, the one the Python benchmark uses), so that only the IPC is timed:
 * encode, publish, doorbell, the worker's decode, execute and encode, publish, doorbell, decode.
 *
 * <p>Run: {@code java -cp <test classpath> ai.lmi.server.worker.RoundTripBenchmark [steps] [python-worker dir]}.
 */
public final class RoundTripBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(RoundTripBenchmark.class);
    private static final String NULL_ENGINE = "lmi_worker.ipc.roundtrip:NullEngine";
    private static final int WARMUP_STEPS = 5000; // until the JIT has compiled the step path

    private RoundTripBenchmark() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        WorkerSettings base = args.length > 1 ? WorkerSettings.defaults(Path.of(args[1]))
                : TestData.settings();
        for (int spinMicros : new int[] {50, 0}) {
            WorkerSettings settings = base.withSpinMicros(spinMicros)
                    .withExtraArguments(List.of("--engine", NULL_ENGINE, "--log-level", "WARNING"));
            try (WorkerProcess worker = WorkerProcess.start(settings, EngineOptions.forModel("none"),
                    LoadProgressListener.NONE)) {
                for (int seqs : new int[] {0, 64}) {
                    double[] micros = measure(worker, decodeStep(seqs), steps);
                    LOG.info("{} sequences, spin {} µs, {} steps: median {} µs, p90 {} µs, p99 {} µs", seqs,
                            spinMicros, steps, format(percentile(micros, 0.5)), format(percentile(micros, 0.9)),
                            format(percentile(micros, 0.99)));
                }
                worker.shutdown(Duration.ofSeconds(10));
            }
        }
    }

    /** Round-trip times in microseconds, sorted, after a warm-up. */
    static double[] measure(WorkerProcess worker, StepBatch batch, int steps) {
        for (int i = 0; i < WARMUP_STEPS; i++) {
            worker.step(batch);
        }
        double[] micros = new double[steps];
        for (int i = 0; i < steps; i++) {
            long start = System.nanoTime();
            worker.step(batch);
            micros[i] = (System.nanoTime() - start) / 1e3;
        }
        Arrays.sort(micros);
        return micros;
    }

    /** {@code seqs} sequences decoding one token each with 8 blocks apiece, all sampling; 0: the empty step. */
    static StepBatch decodeStep(int seqs) {
        List<TestSteps.Scheduled> scheduled = IntStream.range(0, seqs)
                .mapToObj(i -> new TestSteps.Scheduled(i, new int[] {1}, 8 * 16 - 1,
                        IntStream.range(8 * i, 8 * i + 8).toArray(), true))
                .toList();
        return TestSteps.build(scheduled, List.of());
    }

    private static double percentile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
    }

    private static String format(double micros) {
        return String.format("%.1f", micros);
    }
}
