package ai.lmi.server.scheduler;

import static ai.lmi.server.scheduler.Plans.sequenceOf;
import static ai.lmi.server.scheduler.Plans.shape;
import static ai.lmi.server.scheduler.Prompts.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.config.Batching;
import ai.lmi.server.core.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LoRA in the scheduler: at most max_loras distinct adapters run at once, and which ones the worker still holds. */
class SchedulerLoraTest {
    private static final int EOS = 2;
    private final FakeWorker worker = new FakeWorker(16, FakeWorker.HASH_MODEL);

    private static Scheduler scheduler(int maxLoras) {
        return new Scheduler(new SchedulerConfig(8, 256, 192, List.of(EOS), true, Batching.CONTINUOUS, maxLoras, 0),
                new KvCacheManager(new BlockPool(48), 16, true));
    }

    private static Request request(long id, int adapter, int maxNewTokens) {
        return new Request(id, range(100 * (int) id, 4), SamplingParams.greedy(maxNewTokens), adapter);
    }

    @Test
    void aRequestWhoseAdapterWouldExceedMaxLorasWaitsAndTheOnesBehindItGoAhead() {
        Scheduler scheduler = scheduler(2);
        scheduler.add(request(1, 7, 3));
        scheduler.add(request(2, 8, 3));
        scheduler.add(request(3, 9, 3)); // a third adapter: waits
        scheduler.add(request(4, 7, 3)); // adapter 7 runs already: goes ahead of 3
        scheduler.add(request(5, 0, 3)); // the base model needs no slot
        StepPlan first = worker.step(scheduler);
        assertEquals(List.of("1:4@0+s new", "2:4@0+s new", "4:4@0+s new", "5:4@0+s new"), shape(first));
        assertEquals(7, sequenceOf(first, 4).newSequence().adapterId());
        assertEquals(0, sequenceOf(first, 5).newSequence().adapterId());
        assertEquals(1, scheduler.stats().waiting());

        worker.step(scheduler);
        worker.step(scheduler); // 1, 2, 4 and 5 end with their third token
        StepPlan next = worker.step(scheduler);
        assertEquals(List.of("3:4@0+s new"), shape(next));
        assertEquals(9, sequenceOf(next, 3).newSequence().adapterId());
    }

    @Test
    void theWorkerHoldsAnAdapterUntilThePlanThatForgetsItsLastSequence() {
        Scheduler scheduler = scheduler(4);
        scheduler.add(request(1, 7, 1));
        assertFalse(scheduler.workerHoldsAdapter(7));
        worker.step(scheduler); // request 1 samples its one token and ends
        assertTrue(scheduler.workerHoldsAdapter(7), "the worker forgets the sequence only with the next plan");
        StepPlan forget = worker.step(scheduler);
        assertEquals(1, forget.forgetIds().length);
        assertFalse(scheduler.workerHoldsAdapter(7));
    }

    @Test
    void aModelWithoutAdaptersRefusesARequestNamingOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> scheduler(0).add(request(1, 7, 3)));
        assertEquals("request 1 names LoRA adapter 7, but this model serves none", e.getMessage());
    }
}
