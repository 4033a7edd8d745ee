package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.lmi.server.core.SamplingParams;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;

/** A worker process killed 300 ms into a run of long steps: what the steps threw, and how soon after the kill. */
record KillDuringSteps(WorkerDiedException died, long millisAfterKill) {

    /** Runs a 399-token prefill through {@code step} again and again while {@code pid} gets SIGKILL. */
    static KillDuringSteps run(Function<StepBatch, StepOutput> step, long pid) {
        StepBatch prefill = TestSteps.prefill(1, IntStream.range(1, 400).toArray(), IntStream.range(0, 25).toArray(),
                SamplingParams.greedy(16), 1);
        CompletableFuture<Long> killedAt = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long at = System.nanoTime();
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            return at;
        });
        WorkerDiedException died = assertThrows(WorkerDiedException.class, () -> {
            while (true) {
                step.apply(prefill);
            }
        });
        return new KillDuringSteps(died, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt.join()));
    }
}
