package ai.lmi.server.scheduler;

import static ai.lmi.server.scheduler.Plans.shape;
import static ai.lmi.server.scheduler.Prompts.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.lmi.server.config.Batching;
import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.SamplingParams;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** option.enable_chunked_prefill: prompts split by the step's budget, or admitted only whole. */
class SchedulerChunkedPrefillTest {
    private static final int EOS = 2;

    private Scheduler scheduler;

    private void scheduler(int numBlocks, int blockSize, int budget, int maxModelLen, boolean chunked) {
        scheduler = new Scheduler(new SchedulerConfig(8, budget, maxModelLen, List.of(EOS), chunked,
                Batching.CONTINUOUS), new KvCacheManager(new BlockPool(numBlocks), blockSize, false));
    }

    private static Request request(long id, int[] prompt, int maxNewTokens) {
        return new Request(id, prompt, SamplingParams.greedy(maxNewTokens));
    }

    @Test
    void withChunkingTheBudgetLeftOverStartsTheNextPrompt() {
        scheduler(12, 16, 64, 64, true);
        FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);
        scheduler.add(request(1, range(1000, 40), 10));
        scheduler.add(request(2, range(2000, 40), 10));
        assertEquals(List.of("1:40@0+s new", "2:24@0 new"), shape(worker.step(scheduler)));
        assertEquals(List.of("1:1@40+s", "2:16@24+s"), shape(worker.step(scheduler)));
    }

    @Test
    void withoutChunkingAPromptWaitsWholeAndTheQueueBehindIt() {
        scheduler(12, 16, 64, 64, false);
        FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);
        scheduler.add(request(1, range(1000, 40), 10));
        scheduler.add(request(2, range(2000, 40), 10));
        scheduler.add(request(3, range(3000, 8), 10));
        // Request 3 would fit in the 24 tokens left, but it is behind request 2: FIFO.
        assertEquals(List.of("1:40@0+s new"), shape(worker.step(scheduler)));
        assertEquals(List.of("1:1@40+s", "2:40@0+s new", "3:8@0+s new"), shape(worker.step(scheduler)));
        assertEquals(List.of("1:1@41+s", "2:1@40+s", "3:1@8+s"), shape(worker.step(scheduler)));
    }

    /**
     * Four one-token prompts decode beside a 60-token prompt in a 19-block pool of 4-token blocks. The long one
     * is preempted at 61 tokens; its recompute waits for a step whose budget holds all 61.
     */
    @Test
    void withoutChunkingARecomputeAlsoGoesWhole() {
        List<String> chunked = recomputeSteps(true);
        List<String> whole = recomputeSteps(false);
        assertEquals("1:1@2+s 2:1@2+s 3:1@2+s 4:1@2+s 5:60@0 new", chunked.get(2));
        assertEquals("2:1@3+s 3:1@3+s 4:1@3+s 5:1@60+s", chunked.get(3));
        assertEquals("1:1@2+s 2:1@2+s 3:1@2+s 4:1@2+s", whole.get(2));
        assertEquals("2:1@3+s 3:1@3+s 4:1@3+s 5:61@0+s new", whole.get(3));
        assertEquals(chunked.subList(0, 2), whole.subList(0, 2));
        assertEquals("1:1@0+s new 2:1@0+s new 3:1@0+s new 4:1@0+s new 5:60@0+s new", whole.get(0));
        assertEquals("1:1@1+s 2:1@1+s 3:1@1+s 4:1@1+s", whole.get(1), "request 5 was preempted for a block");
    }

    private List<String> recomputeSteps(boolean chunked) {
        scheduler(19, 4, 64, 64, chunked);
        FakeWorker worker = new FakeWorker(4, FakeWorker.HASH_MODEL);
        scheduler.add(request(1, new int[] {11}, 3));
        IntStream.rangeClosed(2, 4).forEach(id -> scheduler.add(request(id, new int[] {10 + id}, 10)));
        Request longPrompt = request(5, range(1000, 60), 2);
        scheduler.add(longPrompt);
        List<String> steps = IntStream.range(0, 4).mapToObj(i -> String.join(" ", shape(worker.step(scheduler))))
                .toList();
        assertEquals(1, scheduler.stats().preemptions());
        worker.runToCompletion(scheduler);
        assertEquals(FinishReason.LENGTH, longPrompt.finishReason().orElseThrow());
        assertEquals(0, scheduler.stats().usedBlocks());
        return steps;
    }

    @Test
    void withoutChunkingTheBudgetMustHoldTheLongestSequence() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new SchedulerConfig(8, 256, 512, List.of(), false, Batching.CONTINUOUS));
        assertEquals("option.enable_chunked_prefill=false needs option.max_num_batched_tokens (256) >= "
                + "option.max_model_len (512), or a long prompt could never run: raise "
                + "option.max_num_batched_tokens, lower option.max_model_len or enable chunked prefill",
                error.getMessage());
        new SchedulerConfig(8, 256, 256, List.of(), false, Batching.CONTINUOUS);
        new SchedulerConfig(8, 256, 512, List.of(), true, Batching.CONTINUOUS);
    }
}
