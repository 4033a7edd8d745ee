package ai.lmi.server.scheduler;

import static ai.lmi.server.scheduler.Plans.shape;
import static ai.lmi.server.scheduler.Prompts.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.config.Batching;
import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.SamplingParams;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** option.batching=static against continuous: batches formed once and run to completion, finished rows padding. */
class SchedulerStaticBatchingTest {
    private static final int EOS = 2;

    private final FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);
    private Scheduler scheduler;

    private void scheduler(Batching batching, int numBlocks, int maxModelLen) {
        scheduler = new Scheduler(new SchedulerConfig(8, 64, maxModelLen, List.of(EOS), true, batching),
                new KvCacheManager(new BlockPool(numBlocks), 16, false));
    }

    private static Request request(long id, int promptLength, int maxNewTokens) {
        return new Request(id, range(1000 * (int) id, promptLength), SamplingParams.greedy(maxNewTokens));
    }

    /** Plans and runs a step; returns {@link #run}'s events. */
    private List<String> step() {
        return run(scheduler.schedule());
    }

    /** Runs a planned step; returns the ids of its token events, with the reason of those that finished. */
    private List<String> run(StepPlan plan) {
        return scheduler.update(plan, worker.run(plan)).stream()
                .map(e -> e.requestId() + (e.finished() ? " " + e.finishReason() : ""))
                .toList();
    }

    @Test
    void finishedRowsPadTheBatchUntilItsLongestRequestEnds() {
        scheduler(Batching.STATIC, 12, 192);
        List<Request> batch = List.of(request(1, 8, 2), request(2, 8, 4), request(3, 8, 6));
        batch.forEach(scheduler::add);
        StepPlan first = scheduler.schedule();
        assertEquals(List.of("1:8@0+s new", "2:8@0+s new", "3:8@0+s new"), shape(first));
        assertEquals(List.of("1", "2", "3"), run(first));
        scheduler.add(request(4, 8, 1));

        List<List<String>> events = List.of(List.of("1 LENGTH", "2", "3"), List.of("2", "3"),
                List.of("2 LENGTH", "3"), List.of("3"), List.of("3 LENGTH"));
        for (int decode = 0; decode < 5; decode++) {
            StepPlan plan = scheduler.schedule();
            int position = 8 + decode;
            assertEquals(List.of("1:1@" + position + "+s", "2:1@" + position + "+s", "3:1@" + position + "+s"),
                    shape(plan), "decode " + decode + ": every row runs, the finished ones too");
            assertArrayEquals(new long[0], plan.forgetIds());
            assertEquals(events.get(decode), run(plan));
            assertEquals(1, scheduler.stats().waiting(), "request 4 waits for the batch to end");
        }
        assertEquals(new SchedulerStats(0, 1, 0, 0, 0, 12, 6), scheduler.stats(),
                "the batch's blocks were freed together; request 1 padded 4 steps, request 2 padded 2");
        assertEquals(List.of(2, 4, 6), batch.stream().map(Request::numOutputTokens).toList(),
                "padding leaves the answered outputs alone");

        StepPlan next = scheduler.schedule();
        assertArrayEquals(new long[] {1, 2, 3}, next.forgetIds());
        assertEquals(List.of("4:8@0+s new"), shape(next));
        assertEquals(List.of("4 LENGTH"), run(next));
        assertArrayEquals(new long[] {4}, scheduler.schedule().forgetIds());
        assertFalse(scheduler.hasWork());
    }

    @Test
    void continuousBatchingFreesFinishedRowsAndAdmitsAtOnce() {
        scheduler(Batching.CONTINUOUS, 12, 192);
        List.of(request(1, 8, 2), request(2, 8, 4), request(3, 8, 6)).forEach(scheduler::add);
        assertEquals(List.of("1", "2", "3"), step());
        scheduler.add(request(4, 8, 1));
        assertEquals(List.of("1 LENGTH", "2", "3", "4 LENGTH"), step());
        StepPlan third = scheduler.schedule();
        assertArrayEquals(new long[] {1, 4}, third.forgetIds());
        assertEquals(List.of("2:1@9+s", "3:1@9+s"), shape(third));
        assertEquals(List.of("2", "3"), run(third));
        worker.runToCompletion(scheduler);
        assertEquals(0, scheduler.stats().paddingTokens());
    }

    @Test
    void aStopFoundOutsideMakesPaddingButACancelOrErrorFreesTheRow() {
        scheduler(Batching.STATIC, 12, 192);
        IntStream.rangeClosed(1, 3).forEach(id -> scheduler.add(request(id, 20, 10)));
        assertEquals(List.of("1", "2", "3"), step());
        int used = scheduler.stats().usedBlocks();

        assertTrue(scheduler.finish(1, FinishReason.STOP_SEQUENCE));
        assertTrue(scheduler.abort(2));
        assertEquals(used - 2, scheduler.stats().usedBlocks(), "only the cancelled row's blocks are free");
        assertEquals(1, scheduler.stats().running());
        StepPlan plan = scheduler.schedule();
        assertArrayEquals(new long[] {2}, plan.forgetIds());
        assertEquals(List.of("1:1@20+s", "3:1@20+s"), shape(plan));
        assertEquals(List.of("3"), run(plan));

        // The padding row is not live: ending it again only drops it.
        assertFalse(scheduler.finish(1, FinishReason.ERROR));
        assertEquals(used - 4, scheduler.stats().usedBlocks());
        assertArrayEquals(new long[] {1}, scheduler.schedule().forgetIds());
    }

    @Test
    void aPaddingRowLeavesAtMaxModelLen() {
        scheduler(Batching.STATIC, 12, 16);
        scheduler.add(request(1, 10, 1));
        scheduler.add(request(2, 2, 12));
        assertEquals(List.of("1 LENGTH", "2"), step());
        // Request 1's row reaches 16 tokens after five more steps: no position is left for its next one.
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of("2"), step());
        }
        StepPlan plan = scheduler.schedule();
        assertArrayEquals(new long[] {1}, plan.forgetIds());
        assertEquals(List.of("2:1@7+s"), shape(plan));
        scheduler.update(plan, worker.run(plan));
        worker.runToCompletion(scheduler);
        assertEquals(0, scheduler.stats().usedBlocks());
    }

    @Test
    void aPaddingRowWithoutABlockLeavesInsteadOfPreempting() {
        scheduler(Batching.STATIC, 3, 48);
        scheduler.add(request(1, 16, 1));
        scheduler.add(request(2, 31, 20));
        assertEquals(List.of("1 LENGTH", "2"), step());

        StepPlan plan = scheduler.schedule();
        assertEquals(List.of("2:1@31+s"), shape(plan), "request 1's row needed a second block");
        assertArrayEquals(new long[] {1}, plan.forgetIds());
        assertEquals(0, scheduler.stats().preemptions());
        assertEquals(2, scheduler.stats().usedBlocks());
    }

    @Test
    void aLiveRowShortOfBlocksDropsThePaddingBehindIt() {
        scheduler(Batching.STATIC, 4, 48);
        scheduler.add(request(1, 30, 20));
        scheduler.add(request(2, 16, 1));
        assertEquals(List.of("1", "2 LENGTH"), step());
        assertEquals(List.of("1"), step());
        assertEquals(List.of("1"), step());

        StepPlan plan = scheduler.schedule();
        assertEquals(List.of("1:1@32+s"), shape(plan), "request 1 needed a third block: request 2's row made way");
        assertArrayEquals(new long[] {2}, plan.forgetIds());
        assertEquals(0, scheduler.stats().preemptions());
        worker.runToCompletion(scheduler);
    }
}
