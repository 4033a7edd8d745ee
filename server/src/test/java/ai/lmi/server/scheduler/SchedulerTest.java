package ai.lmi.server.scheduler;

import static ai.lmi.server.scheduler.Plans.sequenceOf;
import static ai.lmi.server.scheduler.Plans.shape;
import static ai.lmi.server.scheduler.Prompts.concat;
import static ai.lmi.server.scheduler.Prompts.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.config.Batching;
import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.SamplingParams;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The scheduler over a real 12-block, 16-token KV cache, driven by a fake worker; exact batches and block ids. */
class SchedulerTest {
    private static final int EOS = 2;

    private BlockPool pool;
    private Scheduler scheduler;
    private final FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);

    /** A fresh scheduler with max_model_len 192 (what 12 blocks of 16 tokens hold). */
    private void scheduler(int numBlocks, int maxNumSeqs, int budget, boolean prefixCaching) {
        pool = new BlockPool(numBlocks);
        scheduler = new Scheduler(continuous(maxNumSeqs, budget, 192), new KvCacheManager(pool, 16, prefixCaching));
    }

    /** Continuous batching with chunked prefill, the defaults. */
    private static SchedulerConfig continuous(int maxNumSeqs, int budget, int maxModelLen) {
        return new SchedulerConfig(maxNumSeqs, budget, maxModelLen, List.of(EOS), true, Batching.CONTINUOUS);
    }

    private static Request request(long id, int[] prompt, int maxNewTokens) {
        return new Request(id, prompt, SamplingParams.greedy(maxNewTokens));
    }

    @Test
    void aLongPromptIsPrefilledInChunksWhileDecodesGoOn() {
        scheduler(12, 4, 32, false);
        scheduler.add(request(1, range(1000, 8), 20));
        scheduler.add(request(2, range(2000, 8), 20));
        assertEquals(List.of("1:8@0+s new", "2:8@0+s new"), shape(worker.step(scheduler)));

        scheduler.add(request(3, range(3000, 100), 5));
        StepPlan step2 = worker.step(scheduler);
        assertEquals(List.of("1:1@8+s", "2:1@8+s", "3:30@0 new"), shape(step2));
        assertArrayEquals(new int[] {2, 3}, sequenceOf(step2, 3).blockTable());
        assertEquals(List.of("1:1@9+s", "2:1@9+s", "3:30@30"), shape(worker.step(scheduler)));
        assertEquals(List.of("1:1@10+s", "2:1@10+s", "3:30@60"), shape(worker.step(scheduler)));
        StepPlan step5 = worker.step(scheduler);
        assertEquals(List.of("1:1@11+s", "2:1@11+s", "3:10@90+s"), shape(step5));
        assertArrayEquals(new int[] {2, 3, 4, 5, 6, 7, 8}, sequenceOf(step5, 3).blockTable());
        assertEquals(List.of("1:1@12+s", "2:1@12+s", "3:1@100+s"), shape(worker.step(scheduler)));
    }

    @Test
    void noMoreThanMaxNumSeqsRunAtOnce() {
        scheduler(12, 2, 64, false);
        for (long id = 1; id <= 3; id++) {
            scheduler.add(request(id, range(100 * (int) id, 4), 2));
        }
        assertEquals(List.of("1:4@0+s new", "2:4@0+s new"), shape(worker.step(scheduler)));
        assertEquals(2, scheduler.stats().running());
        assertEquals(1, scheduler.stats().waiting());
        assertEquals(List.of("1:1@4+s", "2:1@4+s"), shape(worker.step(scheduler)));

        StepPlan third = worker.step(scheduler);
        assertArrayEquals(new long[] {1, 2}, third.forgetIds());
        assertEquals(List.of("3:4@0+s new"), shape(third));
    }

    /** Three requests whose 64-token prompts fill a 12-block pool: 4 blocks each. */
    private List<Request> addThreeRequests() {
        List<Request> requests = List.of(request(1, range(1000, 64), 3), request(2, range(2000, 64), 6),
                request(3, range(3000, 64), 4));
        requests.forEach(scheduler::add);
        return requests;
    }

    /** The outputs of the three requests with a pool large enough that nobody is preempted. */
    private List<List<Integer>> outputsWithoutPreemption() {
        scheduler(64, 8, 256, false);
        List<Request> requests = addThreeRequests();
        worker.runToCompletion(scheduler);
        assertEquals(0, scheduler.stats().preemptions());
        return requests.stream().map(SchedulerTest::outputOf).toList();
    }

    private static List<Integer> outputOf(Request request) {
        return IntStream.of(request.outputTokenIds()).boxed().toList();
    }

    @Test
    void requestsEvictedFromADeadWorkersSchedulerResumeOnANewOneWithTheSameOutputs() {
        List<List<Integer>> expected = outputsWithoutPreemption();
        scheduler(64, 2, 256, false);
        List<Request> requests = addThreeRequests();
        worker.step(scheduler);
        int[] firstTokens = requests.stream().limit(2).mapToInt(r -> r.outputTokenIds()[0]).toArray();

        List<Request> evicted = scheduler.evictAll();
        assertEquals(requests, evicted, "running ones in admission order, then the waiting one");
        evicted.forEach(r -> assertEquals(RequestStatus.PREEMPTED, r.status()));
        assertFalse(scheduler.hasWork());

        scheduler(64, 2, 256, false);
        FakeWorker newWorker = new FakeWorker(16, FakeWorker.HASH_MODEL);
        evicted.forEach(scheduler::resume);
        assertEquals(List.of("1:65@0+s new", "2:65@0+s new"), shape(newWorker.step(scheduler)),
                "each recomputes its prompt and the token it had");
        assertArrayEquals(firstTokens, requests.stream().limit(2).mapToInt(r -> r.outputTokenIds()[0]).toArray());
        newWorker.runToCompletion(scheduler);
        assertEquals(expected, requests.stream().map(SchedulerTest::outputOf).toList());
        assertThrows(IllegalArgumentException.class, () -> scheduler.resume(requests.get(0)),
                "a finished request cannot resume");
    }

    @Test
    void theNewestRequestIsPreemptedFreedAndRecomputedWithItsOutput() {
        List<List<Integer>> expected = outputsWithoutPreemption();
        scheduler(12, 8, 256, false);
        List<Request> requests = addThreeRequests();
        Request newest = requests.get(2);
        StepPlan step1 = worker.step(scheduler);
        assertEquals(List.of("1:64@0+s new", "2:64@0+s new", "3:64@0+s new"), shape(step1));
        assertArrayEquals(new int[] {8, 9, 10, 11}, sequenceOf(step1, 3).blockTable());
        assertEquals(12, scheduler.stats().usedBlocks());
        int firstToken = newest.outputTokenIds()[0];

        // Requests 1 and 2 each need a fifth block: request 3 makes way, its tail block going first.
        StepPlan step2 = worker.step(scheduler);
        assertEquals(List.of("1:1@64+s", "2:1@64+s"), shape(step2));
        assertArrayEquals(new long[] {3}, step2.forgetIds());
        assertArrayEquals(new int[] {0, 1, 2, 3, 11}, sequenceOf(step2, 1).blockTable());
        assertArrayEquals(new int[] {4, 5, 6, 7, 10}, sequenceOf(step2, 2).blockTable());
        assertEquals(RequestStatus.PREEMPTED, newest.status());
        assertEquals(0, newest.numComputedTokens());
        assertArrayEquals(new int[] {firstToken}, newest.outputTokenIds(), "nothing produced is lost");
        assertEquals(new SchedulerStats(2, 1, 1, 0, 10, 12, 0), scheduler.stats());
        assertArrayEquals(new int[] {9, 8}, pool.freeBlockIds());

        // Two free blocks are too few for request 3's 65 tokens; request 1 finishes (max_new_tokens 3).
        assertEquals(List.of("1:1@65+s", "2:1@65+s"), shape(worker.step(scheduler)));
        assertEquals(FinishReason.LENGTH, requests.get(0).finishReason().orElseThrow());
        assertArrayEquals(new int[] {9, 8, 11, 3, 2, 1, 0}, pool.freeBlockIds());

        StepPlan step4 = worker.step(scheduler);
        assertArrayEquals(new long[] {1}, step4.forgetIds());
        assertEquals(List.of("2:1@66+s", "3:65@0+s new"), shape(step4));
        ScheduledSequence recompute = sequenceOf(step4, 3);
        assertArrayEquals(concat(range(3000, 64), new int[] {firstToken}), recompute.tokenIds());
        assertEquals(64, recompute.newSequence().promptLen());
        assertArrayEquals(new int[] {9, 8, 11, 3, 2}, recompute.blockTable());

        worker.runToCompletion(scheduler);
        assertEquals(expected, requests.stream().map(SchedulerTest::outputOf).toList());
        assertEquals(new SchedulerStats(0, 0, 1, 0, 0, 12, 0), scheduler.stats());
    }

    @Test
    void aRecomputeReusesTheCachedBlocksItsPreemptionLeftBehind() {
        List<List<Integer>> expected = outputsWithoutPreemption();
        scheduler(12, 8, 256, true);
        List<Request> requests = addThreeRequests();
        worker.step(scheduler);
        worker.step(scheduler);
        worker.step(scheduler);

        // Blocks 11 and 10 (request 3's tail) were reused, dropping their keys; 8 and 9 are still cached.
        StepPlan step4 = worker.step(scheduler);
        assertEquals(List.of("2:1@66+s", "3:33@32+s new"), shape(step4));
        ScheduledSequence recompute = sequenceOf(step4, 3);
        assertArrayEquals(range(3000, 32), recompute.newSequence().prefixIds());
        assertArrayEquals(new int[] {8, 9, 11, 3, 2}, recompute.blockTable());
        assertEquals(32, scheduler.stats().prefixHitTokens());

        worker.runToCompletion(scheduler);
        assertEquals(expected, requests.stream().map(SchedulerTest::outputOf).toList());
    }

    @Test
    void aSecondRequestStartsItsPrefillAfterTheCachedPrefix() {
        scheduler(12, 8, 256, true);
        scheduler.add(request(1, range(0, 40), 10));
        worker.step(scheduler);
        scheduler.add(request(2, concat(range(0, 32), range(500, 10)), 10));

        StepPlan step2 = worker.step(scheduler);
        assertEquals(List.of("1:1@40+s", "2:10@32+s new"), shape(step2));
        ScheduledSequence second = sequenceOf(step2, 2);
        assertArrayEquals(new int[] {0, 1, 3}, second.blockTable());
        assertArrayEquals(range(500, 10), second.tokenIds());
        assertArrayEquals(range(0, 32), second.newSequence().prefixIds());
        assertEquals(32, scheduler.stats().prefixHitTokens());
    }

    @Test
    void cancellationFreesBlocksBeforeTheNextStep() {
        scheduler(12, 8, 64, true);
        int idle = scheduler.stats().usedBlocks();
        scheduler.add(request(1, range(0, 40), 50));
        scheduler.add(request(2, range(100, 20), 50));
        worker.step(scheduler);
        worker.step(scheduler);
        assertEquals(idle + 5, scheduler.stats().usedBlocks());

        assertTrue(scheduler.abort(1));
        assertEquals(idle + 2, scheduler.stats().usedBlocks());
        assertArrayEquals(new int[] {5, 6, 7, 8, 9, 10, 11, 2, 1, 0}, pool.freeBlockIds());
        StepPlan plan = scheduler.schedule();
        assertArrayEquals(new long[] {1}, plan.forgetIds());
        assertEquals(List.of("2:1@21+s"), shape(plan));

        // A stop sequence found in the text ends the request on the same path, even with its step in flight.
        assertTrue(scheduler.finish(2, FinishReason.STOP_SEQUENCE));
        assertEquals(idle, scheduler.stats().usedBlocks());
        assertEquals(List.of(), scheduler.update(plan, worker.run(plan)));
        assertFalse(scheduler.abort(2));

        StepPlan last = scheduler.schedule();
        assertArrayEquals(new long[] {2}, last.forgetIds());
        assertTrue(last.sequences().isEmpty());
        assertFalse(scheduler.hasWork());
        assertTrue(scheduler.schedule().isEmpty());
    }

    @Test
    void abortingAWaitingRequestJustRemovesIt() {
        scheduler(12, 1, 64, false);
        Request running = request(1, range(0, 20), 10);
        Request queued = request(2, range(100, 20), 10);
        scheduler.add(running);
        scheduler.add(queued);
        StepPlan plan = scheduler.schedule();
        assertEquals(List.of("1:20@0+s new"), shape(plan));
        int used = scheduler.stats().usedBlocks();

        assertTrue(scheduler.abort(2));
        assertEquals(RequestStatus.FINISHED, queued.status());
        assertEquals(FinishReason.ABORT, queued.finishReason().orElseThrow());
        assertEquals(new SchedulerStats(1, 0, 0, 0, used, 12, 0), scheduler.stats());
        scheduler.update(plan, worker.run(plan));
        assertArrayEquals(new long[0], worker.step(scheduler).forgetIds(), "the worker never saw request 2");
    }

    @Test
    void requestsStopOnEosStopTokenIdsAndMaxNewTokensUnlessEosIsIgnored() {
        Map<Long, int[]> scripts = Map.of(
                1L, new int[] {5, 6, EOS, 7},
                2L, new int[] {EOS, EOS, EOS, EOS, EOS},
                3L, new int[] {5, 9, 7},
                4L, new int[] {5, 6, 7});
        FakeWorker scripted = new FakeWorker(16, (id, history) -> scripts.get(id)[history.size() - 4]);
        scheduler(12, 8, 64, false);
        Request eos = request(1, range(10, 4), 10);
        Request ignoresEos = new Request(2, range(20, 4), SamplingParams.builder().maxNewTokens(4).ignoreEos(true).build());
        Request stopToken = new Request(3, range(30, 4),
                SamplingParams.builder().maxNewTokens(10).stopTokenIds(List.of(9)).build());
        Request twoTokens = request(4, range(40, 4), 2);
        List.of(eos, ignoresEos, stopToken, twoTokens).forEach(scheduler::add);

        StepPlan first = scheduler.schedule();
        assertEquals(List.of(new TokenEvent(1, 5, null), new TokenEvent(2, EOS, null), new TokenEvent(3, 5, null),
                new TokenEvent(4, 5, null)), scheduler.update(first, scripted.run(first)));
        StepPlan second = scheduler.schedule();
        assertEquals(List.of(new TokenEvent(1, 6, null), new TokenEvent(2, EOS, null),
                        new TokenEvent(3, 9, FinishReason.STOP_SEQUENCE), new TokenEvent(4, 6, FinishReason.LENGTH)),
                scheduler.update(second, scripted.run(second)));
        StepPlan third = scheduler.schedule();
        assertEquals(List.of(new TokenEvent(1, EOS, FinishReason.EOS_TOKEN), new TokenEvent(2, EOS, null)),
                scheduler.update(third, scripted.run(third)));
        scripted.runToCompletion(scheduler);

        assertEquals(List.of(5, 6, EOS), outputOf(eos));
        assertEquals(List.of(EOS, EOS, EOS, EOS), outputOf(ignoresEos));
        assertEquals(FinishReason.LENGTH, ignoresEos.finishReason().orElseThrow());
        assertEquals(List.of(5, 9), outputOf(stopToken));
        assertEquals(List.of(5, 6), outputOf(twoTokens));
        assertEquals(0, scheduler.stats().usedBlocks());
    }

    @Test
    void aSequenceStopsAtMaxModelLen() {
        Scheduler shortContext = new Scheduler(continuous(8, 64, 10),
                new KvCacheManager(new BlockPool(12), 16, false));
        Request request = request(1, range(10, 8), 100);
        shortContext.add(request);
        worker.runToCompletion(shortContext);
        assertEquals(2, request.numOutputTokens());
        assertEquals(FinishReason.LENGTH, request.finishReason().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> shortContext.add(request(2, range(0, 11), 1)),
                "a prompt longer than maxModelLen");
    }

    @Test
    void rejectsRequestsAndConfigurationsThatCouldNeverRun() {
        scheduler(12, 8, 64, false);
        scheduler.add(request(1, range(0, 4), 1));
        assertThrows(IllegalArgumentException.class, () -> scheduler.add(request(1, range(0, 4), 1)));
        assertThrows(IllegalArgumentException.class, () -> continuous(8, 4, 192));
        assertThrows(IllegalArgumentException.class, () -> new Scheduler(continuous(8, 64, 193),
                new KvCacheManager(new BlockPool(12), 16, false)));
    }
}
