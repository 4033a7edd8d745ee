package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensor-parallel groups of the real Python worker on tiny-llama: rank 0 and a follower load their shards and
 * answer as one worker does; the death of any rank ends the group at once; a follower that fails to start fails
 * the start.
 */
class WorkerGroupTest {

    private static final JsonNode GOLDEN = TestData.goldenCase();
    private static final int[] PROMPT = TestData.ints(GOLDEN.get("prompt_ids"));
    private static final int[] OUTPUT = TestData.ints(GOLDEN.get("output_ids"));

    @Test
    void twoRanksGreedilyReproduceTheGoldenTokensAndShutDownCleanly() throws Exception {
        // Started from a thread that ends at once: every rank's parent-death signal follows its own parent thread.
        CompletableFuture<WorkerGroup> started = new CompletableFuture<>();
        Thread starter = new Thread(() -> started.complete(start(2)));
        starter.start();
        starter.join();
        WorkerGroup group = started.get();
        List<Long> pids = group.pids();
        assertEquals(2, pids.size());
        assertNotEquals(pids.get(0), pids.get(1));
        assertEquals(pids.get(0), group.pid());
        assertEquals(2, group.capacity().tensorParallelDegree());
        String follower = commandLine(pids.get(1));
        assertTrue(follower.contains("-m lmi_worker --tp-rank 1 --tp-size 2 --tp-master 127.0.0.1:"), follower);
        assertFalse(follower.contains("--socket"), follower);
        assertTrue(commandLine(pids.get(0)).contains("--tp-rank 0 --tp-size 2"), commandLine(pids.get(0)));

        int[] blocks = {40, 41}; // 30 tokens need two blocks of 16
        StepOutput out = group.step(TestSteps.prefill(1, PROMPT, blocks, SamplingParams.greedy(16)));
        for (int i = 0; i < OUTPUT.length; i++) {
            assertEquals(OUTPUT[i], out.tokenIds()[0], "token " + i);
            if (i + 1 < OUTPUT.length) {
                out = group.step(TestSteps.decode(1, OUTPUT[i], PROMPT.length + i, blocks));
            }
        }
        assertTrue(group.isAlive());
        assertTrue(group.health().ok());

        assertEquals(0, group.shutdown(Duration.ofSeconds(10)), "every rank exits 0, the follower by itself");
        assertFalse(group.isAlive());
        pids.forEach(pid -> assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "worker " + pid));
    }

    @Test
    void killDashNineOfTheFollowerEndsAStepInFlightAtOnceNamingTheRank() throws Exception {
        try (WorkerGroup group = start(2)) {
            long followerPid = group.pids().get(1);
            KillDuringSteps killed = KillDuringSteps.run(group::step, followerPid);
            assertTrue(killed.millisAfterKill() < 2000, "noticed " + killed.millisAfterKill() + " ms after the kill");
            assertTrue(killed.died().getMessage().startsWith("rank 1 (worker " + followerPid + ") exited (exit status "
                    + "137, signal 9), which ended its group: "), killed.died().getMessage());
            assertFalse(group.isAlive());
            assertFalse(ProcessHandle.of(group.pid()).map(ProcessHandle::isAlive).orElse(false), "rank 0 was killed");
            assertThrows(WorkerDiedException.class, () -> group.step(StepBatch.empty()));
        }
    }

    @Test
    void aFollowerThatExitsDuringTheStartFailsItWithItsRankStatusAndOutput(@TempDir Path dir) throws IOException {
        String python = PythonFinder.find(null, System.getenv());
        Path wrapper = dir.resolve("python3");
        Files.writeString(wrapper, "#!/bin/sh\ncase \"$*\" in *'--tp-rank 1 '*) echo 'no device for rank 1' >&2; "
                + "exit 3;; esac\nexec " + python + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        long startedAt = System.nanoTime();
        WorkerStartException e = assertThrows(WorkerStartException.class, () -> WorkerGroup.start(
                TestData.settings().withPythonExecutable(wrapper.toString()), TestData.tinyLlamaOptions(), 2,
                LoadProgressListener.NONE));
        assertTrue(e.getMessage().startsWith("the worker group could not start: rank 1 (worker "), e.getMessage());
        assertTrue(e.getMessage().contains(") exited (exit status 3); its last output:\n  no device for rank 1\n"),
                e.getMessage());
        assertTrue(System.nanoTime() - startedAt < TimeUnit.SECONDS.toNanos(30), "rank 0 was not waited for");
        assertTrue(ProcessHandle.current().descendants()
                .noneMatch(p -> p.isAlive() && p.info().commandLine().orElse("").contains("-m lmi_worker")),
                "no rank is left running");
    }

    @Test
    void whatTheEngineCannotSplitFailsTheStartWithItsReason() {
        WorkerStartException e = assertThrows(WorkerStartException.class, () -> WorkerGroup.start(
                TestData.settings(), TestData.tinyLlamaOptions().withLora(2, 8), 2, LoadProgressListener.NONE));
        assertTrue(e.getMessage().contains("LoRA adapters do not split across ranks yet"), e.getMessage());
        assertTrue(ProcessHandle.current().descendants()
                .noneMatch(p -> p.isAlive() && p.info().commandLine().orElse("").contains("-m lmi_worker")),
                "no rank is left running");
    }

    @Test
    void aGroupOfOneIsALoneWorkerWithoutTensorParallelFlags() {
        try (WorkerGroup group = start(1)) {
            assertEquals(List.of(group.pid()), group.pids());
            assertEquals(1, group.capacity().tensorParallelDegree());
            assertFalse(commandLine(group.pid()).contains("--tp-"), commandLine(group.pid()));
            assertEquals(OUTPUT[0], group.step(TestSteps.prefill(1, PROMPT, new int[] {0}, SamplingParams.greedy(16)))
                    .tokenIds()[0]);
            assertEquals(0, group.shutdown(Duration.ofSeconds(10)));
        }
    }

    private static WorkerGroup start(int degree) {
        return WorkerGroup.start(TestData.settings(), TestData.tinyLlamaOptions(), degree, LoadProgressListener.NONE);
    }

    private static String commandLine(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("(gone)");
    }
}
