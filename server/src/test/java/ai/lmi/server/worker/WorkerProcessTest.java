package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The real Python worker running the real lmi-dist engine on tiny-llama, driven step by step from Java. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerProcessTest {

    private static final JsonNode GOLDEN = TestData.goldenCase();
    private static final int[] PROMPT = TestData.ints(GOLDEN.get("prompt_ids"));
    private static final int[] OUTPUT = TestData.ints(GOLDEN.get("output_ids"));
    /** The golden prompt followed by its greedy continuation: a prefix of it continues with the next token. */
    private static final int[] TEXT = IntStream.concat(Arrays.stream(PROMPT), Arrays.stream(OUTPUT)).toArray();

    private final List<String> progress = new ArrayList<>();
    private WorkerProcess worker;

    @BeforeAll
    void startTheSharedWorker() {
        worker = WorkerProcess.start(TestData.settings(), TestData.tinyLlamaOptions(),
                (stage, fraction) -> progress.add(stage + " " + fraction));
    }

    @AfterAll
    void stopTheSharedWorker() {
        assertEquals(0, worker.shutdown(Duration.ofSeconds(10)));
    }

    @Test
    void theHandshakeReportsTinyLlamasCapacityAndLeavesNoFilesBehind() {
        WorkerCapacity c = worker.capacity();
        assertEquals(8192, c.kvBytesPerBlock()); // 2 layers x K,V x 2 heads x 16 dims x 16 tokens x 4 bytes
        assertEquals(1024, c.numBlocks());
        assertEquals(16, c.blockSize());
        assertEquals(512, c.maxModelLen());
        assertEquals(32000, c.vocabSize());
        assertEquals(List.of(2), c.eosTokenIds());
        assertEquals(1, c.bosTokenId());
        assertEquals("LlamaForCausalLM", c.architecture());
        assertEquals(2, c.numLayers());
        assertEquals("float32", c.dtype());
        assertEquals(List.of("weights 0.0", "weights 1.0", "kv_cache 1.0"), progress);
        assertFalse(Files.exists(worker.paths().sharedMemory()));
        assertFalse(Files.exists(worker.paths().directory()));
        assertTrue(worker.isAlive());
    }

    @Test
    void greedyGenerationStepByStepReproducesTheGoldenOutputs() {
        long seqId = 1;
        int[] blocks = {40, 41}; // 30 tokens need two blocks of 16
        SamplingParams params = SamplingParams.builder().topLogprobs(5).build();
        StepOutput out = worker.step(TestSteps.prefill(seqId, PROMPT, blocks, params));
        for (int i = 0; i < OUTPUT.length; i++) {
            assertArrayEquals(new long[] {seqId}, out.seqIds());
            assertEquals(OUTPUT[i], out.tokenIds()[0], "token " + i);
            assertEquals(5, out.topN());
            JsonNode top = GOLDEN.get("steps").get(i).get("top");
            for (int rank = 0; rank < 5; rank++) {
                assertEquals(top.get(rank).get("id").asInt(), out.topId(0, rank), "token " + i + " rank " + rank);
                assertEquals(top.get(rank).get("logprob").asDouble(), out.topLogprob(0, rank), 2e-3);
            }
            assertEquals(out.topLogprob(0, 0), out.logprobs()[0], 1e-6);
            if (i + 1 < OUTPUT.length) {
                out = worker.step(TestSteps.decode(seqId, OUTPUT[i], PROMPT.length + i, blocks));
            }
        }
        assertTrue(out.forwardMs() > 0);
    }

    @Test
    void aBadStepFailsAloneAndTheNextStepWorks() {
        int[] longPrompt = IntStream.range(3, 40).toArray(); // 37 positions need 3 blocks, the table has 1
        StepError e = assertThrows(StepError.class, () -> worker.step(
                TestSteps.prefill(500, longPrompt, new int[] {0}, SamplingParams.greedy(16))));
        assertEquals(StepError.BLOCK_TABLE_TOO_SHORT, e.code());
        assertTrue(e.getMessage().contains("block table"), e.getMessage());
        StepOutput out = worker.step(TestSteps.prefill(501, PROMPT, new int[] {3}, SamplingParams.greedy(16), 501));
        assertArrayEquals(new int[] {OUTPUT[0]}, out.tokenIds());
        assertEquals(0, out.topN());
        assertTrue(worker.health().ok());
    }

    @Test
    void healthCountsTheStepsHandled() {
        long before = worker.health().steps();
        worker.step(TestSteps.prefill(600, PROMPT, new int[] {5}, SamplingParams.greedy(16), 600));
        WorkerHealth after = worker.health();
        assertTrue(after.ok());
        assertEquals(before + 1, after.steps());
    }

    @Test
    void aLargeStepOfManySequencesAndPromptLogprobsComesBackWhole() {
        List<TestSteps.Scheduled> seqs = new ArrayList<>();
        List<NewSequence> fresh = new ArrayList<>();
        int[] longPrompt = IntStream.range(0, 500).map(p -> 1 + (p * 7919) % 31999).toArray();
        int nextBlock = 0;
        for (int i = 0; i < 48; i++) {
            boolean golden = i % 2 == 0;
            int[] prompt = golden ? PROMPT : longPrompt;
            int blocks = (prompt.length + 15) / 16;
            int[] table = IntStream.range(nextBlock, nextBlock + blocks).toArray();
            nextBlock += blocks;
            long seqId = 1000 + i;
            seqs.add(new TestSteps.Scheduled(seqId, prompt, 0, table, true));
            SamplingParams params = i == 1 ? SamplingParams.builder().topLogprobs(20).promptLogprobs(true).build()
                    : SamplingParams.builder().topLogprobs(golden ? 5 : 0).build();
            fresh.add(new NewSequence(seqId, prompt.length, params));
        }
        StepBatch batch = TestSteps.build(seqs, fresh);
        assertTrue(StepCodec.encodeStep(1, batch).remaining() > 50_000);
        StepOutput out = worker.step(batch);
        assertEquals(48, out.size());
        assertEquals(20, out.topN());
        JsonNode top = GOLDEN.get("steps").get(0).get("top");
        for (int i = 0; i < 48; i++) {
            assertEquals(1000 + i, out.seqIds()[i]);
            if (i % 2 == 0) {
                assertEquals(OUTPUT[0], out.tokenIds()[i]);
                assertEquals(top.get(4).get("logprob").asDouble(), out.topLogprob(i, 4), 2e-3);
                assertEquals(-1, out.topId(i, 5)); // asked for 5 of the step's 20
            }
        }
        assertEquals(1, out.promptLogprobs().size());
        PromptLogprobs prompt = out.promptLogprobs().get(0);
        assertEquals(1001, prompt.seqId());
        assertEquals(500, prompt.count());
        assertEquals(20, prompt.topN());
        assertTrue(Float.isNaN(prompt.logprobs()[0]));
        for (int p = 1; p < 500; p++) {
            float logprob = prompt.logprobs()[p];
            assertTrue(logprob <= 0 && logprob <= prompt.topLogprob(p, 0) + 1e-5, "position " + p + ": " + logprob);
            assertTrue(prompt.topLogprob(p, 0) >= prompt.topLogprob(p, 19));
        }
        long[] all = seqs.stream().mapToLong(TestSteps.Scheduled::seqId).toArray();
        worker.step(TestSteps.prefill(2000, PROMPT, new int[] {7}, SamplingParams.greedy(16), all));
    }

    @Test
    void manyStepsWrapBothSmallRingsAndEveryResultIsRight() {
        WorkerSettings small = TestData.settings().withRingBytes(4096, 4096);
        try (WorkerProcess w = WorkerProcess.start(small, TestData.tinyLlamaOptions(), LoadProgressListener.NONE)) {
            int steps = 2000;
            for (int i = 0; i < steps; i++) {
                // Steps and results of varying sizes put the wrap markers at ever different offsets.
                int length = 1 + i % TEXT.length;
                SamplingParams params = SamplingParams.builder().topLogprobs(i % 7).build();
                StepOutput out = w.step(TestSteps.prefill(i, Arrays.copyOf(TEXT, length), new int[] {0, 1}, params,
                        i - 1));
                assertEquals(i, out.seqIds()[0]);
                assertEquals(i % 7, out.topN());
                if (length >= PROMPT.length && length < TEXT.length) {
                    assertEquals(TEXT[length], out.tokenIds()[0], "step " + i);
                }
            }
            assertEquals(steps, w.health().steps());

            // A result over half the 4 KiB result ring becomes a STEP_ERROR; a step over half the step ring
            // is refused before it is sent. The worker serves on after both.
            SamplingParams wide = SamplingParams.builder().topLogprobs(20).promptLogprobs(true).build();
            StepError tooLarge = assertThrows(StepError.class,
                    () -> w.step(TestSteps.prefill(9000, TEXT, new int[] {0, 1}, wide)));
            assertEquals(StepError.INTERNAL, tooLarge.code());
            assertThrows(IllegalArgumentException.class, () -> w.step(TestSteps.prefill(9001,
                    IntStream.range(1, 500).toArray(), IntStream.range(0, 32).toArray(), SamplingParams.greedy(16))));
            assertEquals(OUTPUT[0], w.step(TestSteps.prefill(9002, PROMPT, new int[] {2}, SamplingParams.greedy(16)))
                    .tokenIds()[0]);
        }
    }

    @Test
    void killDashNineDuringStepsEndsTheStepWithWorkerDiedAtOnce() throws Exception {
        try (WorkerProcess w = WorkerProcess.start(TestData.settings(), TestData.tinyLlamaOptions(),
                LoadProgressListener.NONE)) {
            KillDuringSteps killed = KillDuringSteps.run(w::step, w.pid());
            assertTrue(killed.millisAfterKill() < 2000, "noticed " + killed.millisAfterKill() + " ms after the kill");
            assertTrue(killed.died().getMessage().contains("signal 9"), killed.died().getMessage());
            assertFalse(w.isAlive());
            assertThrows(WorkerDiedException.class, () -> w.step(StepBatch.empty()));
        }
    }

    @Test
    void aWorkerStartedFromAThreadThatEndedServesOnAndShutsDownWithStatusZero() throws Exception {
        // The worker's parent-death signal follows the thread that spawned it: this one ends at once.
        CompletableFuture<WorkerProcess> started = new CompletableFuture<>();
        Thread starter = new Thread(() -> started.complete(WorkerProcess.start(TestData.settings(),
                TestData.tinyLlamaOptions(), LoadProgressListener.NONE)));
        starter.start();
        starter.join();
        WorkerProcess w = started.get();
        sleep(300);
        assertTrue(w.isAlive());
        assertEquals(OUTPUT[0], w.step(TestSteps.prefill(1, PROMPT, new int[] {0}, SamplingParams.greedy(16)))
                .tokenIds()[0]);
        assertEquals(0, w.shutdown(Duration.ofSeconds(10)));
        assertFalse(w.isAlive());
        assertFalse(Files.exists(w.paths().socket()));
        assertFalse(Files.exists(w.paths().sharedMemory()));
        assertFalse(Files.exists(w.paths().directory()));
        assertThrows(WorkerDiedException.class, w::health);
    }

    @Test
    void aWorkerThatNeverConnectsFailsTheStartAtItsTimeLimit(@TempDir Path dir) throws IOException {
        Path python = dir.resolve("python3");
        Files.writeString(python, "#!/bin/sh\n[ \"$1\" = -c ] && exit 0\nexec sleep 60\n"); // passes the torch check
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwx------"));
        long start = System.nanoTime();
        WorkerStartException e = assertThrows(WorkerStartException.class, () -> WorkerProcess.start(
                TestData.settings().withPythonExecutable(python.toString()).withStartTimeout(Duration.ofSeconds(1)),
                TestData.tinyLlamaOptions(), LoadProgressListener.NONE));
        assertTrue(e.getMessage().contains("did not connect within PT1S"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void aMissingPythonIsAClearStartError() {
        WorkerStartException e = assertThrows(WorkerStartException.class, () -> WorkerProcess.start(
                TestData.settings().withPythonExecutable("/nonexistent/python3"), TestData.tinyLlamaOptions(),
                LoadProgressListener.NONE));
        assertTrue(e.getMessage().startsWith("no Python that imports torch and numpy: tried /nonexistent/python3 "
                + "(cannot run:"), e.getMessage());
        assertTrue(e.getMessage().contains("option.python_executable"), e.getMessage());
    }

    @Test
    void aPythonWithoutTorchIsAClearStartError(@TempDir Path dir) throws IOException {
        Path python = dir.resolve("python3");
        Files.writeString(python, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwx------"));
        WorkerStartException e = assertThrows(WorkerStartException.class, () -> WorkerProcess.start(
                TestData.settings().withPythonExecutable(python.toString()), TestData.tinyLlamaOptions(),
                LoadProgressListener.NONE));
        assertTrue(e.getMessage().contains(python + " ('import torch, numpy' failed with exit status 1: "
                + "ModuleNotFoundError: No module named 'torch')"), e.getMessage());
    }

    @Test
    void anEngineThatCannotLoadIsAStartErrorWithTheWorkersReason(@TempDir Path dir) {
        WorkerStartException e = assertThrows(WorkerStartException.class, () -> WorkerProcess.start(
                TestData.settings(), EngineOptions.forModel(dir.resolve("missing").toString()),
                LoadProgressListener.NONE));
        assertTrue(e.getMessage().startsWith("the worker could not start: the worker failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
