package ai.lmi.server.scheduler;

import static ai.lmi.server.scheduler.Plans.sequenceOf;
import static ai.lmi.server.scheduler.Plans.shape;
import static ai.lmi.server.scheduler.Prompts.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.config.Batching;
import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Speculative decoding in the scheduler over a real KV cache: how much lookahead each decode gets and which
 * blocks it reserves, and how the 1..k+1 tokens a step returns are kept, stopped on, rolled back and hashed.
 */
class SchedulerSpeculationTest {
    private static final int EOS = 2;

    private BlockPool pool;
    private Scheduler scheduler;

    private void scheduler(int numBlocks, int blockSize, int maxModelLen, int speculativeLength, boolean caching) {
        pool = new BlockPool(numBlocks);
        scheduler = new Scheduler(new SchedulerConfig(8, 64, maxModelLen, List.of(EOS), true, Batching.CONTINUOUS, 0,
                speculativeLength), new KvCacheManager(pool, blockSize, caching));
    }

    private static Request request(long id, int[] prompt, int maxNewTokens) {
        return new Request(id, prompt, SamplingParams.greedy(maxNewTokens));
    }

    /** Drafts the model itself would produce: every one is kept. */
    private static FakeWorker.Drafter perfect(FakeWorker.Model model) {
        return (id, history, k) -> {
            List<Integer> ahead = new ArrayList<>(history);
            int[] drafts = new int[k];
            for (int i = 0; i < k; i++) {
                drafts[i] = model.next(id, ahead);
                ahead.add(drafts[i]);
            }
            return drafts;
        };
    }

    /** The model's first {@code right} drafts, then tokens it never samples (ids below 100). */
    private static FakeWorker.Drafter rightThenWrong(int right) {
        FakeWorker.Drafter perfect = perfect(FakeWorker.HASH_MODEL);
        return (id, history, k) -> {
            int[] drafts = perfect.propose(id, history, k);
            for (int i = right; i < k; i++) {
                drafts[i] = 50;
            }
            return drafts;
        };
    }

    @Test
    void lookaheadStopsShortOfMaxTokensAndMaxModelLen() {
        scheduler(12, 16, 24, 4, false);
        FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);
        scheduler.add(request(1, range(1000, 8), 20));
        scheduler.add(request(2, range(2000, 8), 3));
        scheduler.add(request(3, range(3000, 20), 20));
        assertEquals(List.of("1:8@0+s new", "2:8@0+s new", "3:20@0+s new"), shape(worker.step(scheduler)),
                "a prefill never speculates");

        StepPlan decode = worker.step(scheduler);
        // 2 may gain 3 - 1 more tokens: one sampled, one draft; 3 has 24 - 21 positions left: one sampled, two drafts.
        assertEquals(List.of("1:1@8+s+k4", "2:1@8+s+k1", "3:1@20+s+k2"), shape(decode));
        assertEquals(1, sequenceOf(decode, 1).blockTable().length);
        assertEquals(2, sequenceOf(decode, 3).blockTable().length, "positions 20..22 reach the second block");
    }

    @Test
    void shortBlocksShrinkTheLookaheadAndPreemptNobody() {
        scheduler(2, 16, 32, 4, false);
        FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);
        scheduler.add(request(1, range(1000, 15), 20));
        scheduler.add(request(2, range(2000, 10), 20));
        worker.step(scheduler);

        // 1's drafts would need a third block; 2's fit in the block it holds.
        assertEquals(List.of("1:1@15+s", "2:1@10+s+k4"), shape(worker.step(scheduler)));
        assertEquals(0, scheduler.stats().preemptions());
    }

    @Test
    void keptDraftsGiveTheSameOutputsInFewerSteps() {
        List<List<Integer>> plain = new ArrayList<>();
        List<List<Integer>> speculative = new ArrayList<>();
        int plainSteps = runThree(0, FakeWorker.NO_DRAFTS, plain);
        int speculativeSteps = runThree(4, perfect(FakeWorker.HASH_MODEL), speculative);

        assertEquals(plain, speculative);
        assertEquals(List.of(30, 17, 5), plain.stream().map(List::size).toList());
        // Prefill, then 29 tokens at up to 5 a step for the longest.
        assertEquals(30, plainSteps);
        assertEquals(1 + 6, speculativeSteps);
    }

    private int runThree(int speculativeLength, FakeWorker.Drafter drafter, List<List<Integer>> outputs) {
        scheduler(12, 16, 192, speculativeLength, true);
        FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL, drafter);
        List<Request> requests = List.of(request(1, range(1000, 8), 30), request(2, range(2000, 40), 17),
                request(3, range(3000, 3), 5));
        requests.forEach(scheduler::add);
        int steps = 0;
        while (scheduler.hasWork()) {
            StepPlan plan = worker.step(scheduler);
            steps += plan.sequences().isEmpty() ? 0 : 1;
        }
        requests.forEach(r -> outputs.add(Arrays.stream(r.outputTokenIds()).boxed().toList()));
        assertEquals(0, pool.totalBlocks() - pool.numFreeBlocks());
        return steps;
    }

    @Test
    void aStopInTheMiddleOfTheRowsDiscardsTheRest() {
        FakeWorker.Model model = (id, history) -> history.size() == 10 ? EOS : 100 + history.size();
        scheduler(12, 16, 192, 4, false);
        FakeWorker worker = new FakeWorker(16, model, perfect(model));
        Request request = request(1, range(1000, 8), 20);
        scheduler.add(request);
        worker.step(scheduler);

        StepPlan decode = scheduler.schedule();
        Map<Long, int[]> rows = worker.run(decode);
        assertArrayEquals(new int[] {109, EOS, 111, 112, 113}, rows.get(1L), "the worker kept every draft");
        assertEquals(List.of(new TokenEvent(1, 109, null), new TokenEvent(1, EOS, FinishReason.EOS_TOKEN)),
                scheduler.update(decode, rows));
        assertArrayEquals(new int[] {108, 109, EOS}, request.outputTokenIds());
        assertEquals(FinishReason.EOS_TOKEN, request.finishReason().orElseThrow());
        assertEquals(0, scheduler.stats().usedBlocks());
    }

    /** A request whose 4-token prompt fills the first of 12 four-token blocks, prefilled; prefix caching on. */
    private Request prefilledInFourTokenBlocks(FakeWorker worker) {
        scheduler(12, 4, 48, 4, true);
        Request request = request(1, range(1000, 4), 20);
        scheduler.add(request);
        worker.step(scheduler);
        return request;
    }

    @Test
    void rejectedDraftsGiveBackTheirBlocksAndAreNeverHashed() {
        FakeWorker worker = new FakeWorker(4, FakeWorker.HASH_MODEL, rightThenWrong(0));
        Request request = prefilledInFourTokenBlocks(worker);

        StepPlan decode = worker.step(scheduler);
        // Position 4 and drafts at 5..8: three blocks, the second filled by rejected drafts but for position 4.
        assertEquals(List.of("1:1@4+s+k4"), shape(decode));
        int[] reserved = sequenceOf(decode, 1).blockTable();
        assertEquals(3, reserved.length);
        assertEquals(6, request.numTokens());
        assertEquals(5, request.numComputedTokens());
        assertEquals(2, scheduler.stats().usedBlocks(), "the block only a rejected draft reached is free again");
        assertNotNull(pool.block(reserved[0]).hash);
        assertNull(pool.block(reserved[1]).hash, "its KV past position 4 belongs to rejected drafts");
        assertNull(pool.block(reserved[2]).hash);
        assertEquals(reserved[2], pool.freeBlockIds()[pool.numFreeBlocks() - 1]);
    }

    @Test
    void keptDraftsThatFillABlockGetItHashed() {
        FakeWorker worker = new FakeWorker(4, FakeWorker.HASH_MODEL, rightThenWrong(3));
        Request request = prefilledInFourTokenBlocks(worker);

        int[] reserved = sequenceOf(worker.step(scheduler), 1).blockTable();
        // Position 4 and three kept drafts fill the second block; the fourth draft (position 8) was rejected.
        assertEquals(9, request.numTokens());
        assertEquals(8, request.numComputedTokens());
        assertNotNull(pool.block(reserved[1]).hash);
        assertNull(pool.block(reserved[2]).hash);
        assertEquals(3, scheduler.stats().usedBlocks(), "position 8 takes the next token");
    }

    @Test
    void moreRowsThanTheLookaheadAllowsAreRefused() {
        scheduler(12, 16, 192, 2, false);
        FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);
        scheduler.add(request(1, range(1000, 8), 20));
        worker.step(scheduler);
        StepPlan decode = scheduler.schedule();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> scheduler.update(decode, Map.of(1L, new int[] {5, 6, 7, 8})));
        assertTrue(e.getMessage().contains("4 tokens, not 1 to 3"), e.getMessage());
    }
}
