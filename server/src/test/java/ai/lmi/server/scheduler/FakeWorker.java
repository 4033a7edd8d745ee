package ai.lmi.server.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the Python worker: it keeps each sequence's history the way the engine does, checks every plan
 * against it, and samples with a "model" that sees the whole history, so a recompute must reproduce its tokens.
 * A sequence with a lookahead gets drafts from a {@link Drafter} and keeps them as the engine does: while the
 * model's token at a draft's position equals it, then the first that differs.
 */
final class FakeWorker {
    /** Picks the next token of a sequence from everything before it. */
    interface Model {
        int next(long requestId, List<Integer> history);
    }

    /** Proposes up to {@code k} draft tokens to follow a sequence's history. */
    interface Drafter {
        int[] propose(long requestId, List<Integer> history, int k);
    }

    static final Drafter NO_DRAFTS = (requestId, history, k) -> new int[0];

    /// a deterministic model that never emits ids below 100 (the tests' EOS and stop ids)
    static final Model HASH_MODEL = (requestId, history) -> 100 + Math.floorMod(history.hashCode(), 900);

    private final int blockSize;
    private final Model model;
    private final Drafter drafter;
    /// every token at positions 0..n-1, by sequence
    private final Map<Long, List<Integer>> histories = new HashMap<>();

    FakeWorker(int blockSize, Model model) {
        this(blockSize, model, NO_DRAFTS);
    }

    FakeWorker(int blockSize, Model model, Drafter drafter) {
        this.blockSize = blockSize;
        this.model = model;
        this.drafter = drafter;
    }

    /** Runs one step and answers with the tokens each sampling sequence gained, as the worker's STEP_OUTPUT would. */
    Map<Long, int[]> run(StepPlan plan) {
        for (long id : plan.forgetIds()) {
            histories.remove(id);
        }
        Map<Long, int[]> sampled = new HashMap<>();
        for (ScheduledSequence sequence : plan.sequences()) {
            long id = sequence.requestId();
            if (sequence.isNew()) {
                assertFalse(histories.containsKey(id), "sequence " + id + " sent as new while the worker knows it");
                List<Integer> history = new ArrayList<>();
                for (int token : sequence.newSequence().prefixIds()) {
                    history.add(token);
                }
                histories.put(id, history);
            }
            List<Integer> history = histories.get(id);
            assertNotNull(history, "sequence " + id + " is unknown to the worker");
            assertEquals(history.size(), sequence.startPosition(), "start position of sequence " + id);
            assertTrue(sequence.tokenIds().length > 0, "sequence " + id + " scheduled without tokens");
            for (int token : sequence.tokenIds()) {
                history.add(token);
            }
            int blocksNeeded = (history.size() + sequence.lookahead() + blockSize - 1) / blockSize;
            assertEquals(blocksNeeded, sequence.blockTable().length, "block table of sequence " + id);
            assertTrue(sequence.sample() || sequence.lookahead() == 0, "lookahead for a sequence that does not sample");
            if (sequence.sample()) {
                sampled.put(id, verify(id, history, drafter.propose(id, history, sequence.lookahead())));
            }
        }
        return sampled;
    }

    /** The kept drafts, whose KV the step computed, join the history; the first differing sample ends the rows. */
    private int[] verify(long id, List<Integer> history, int[] drafts) {
        List<Integer> gained = new ArrayList<>();
        for (int draft : drafts) {
            int token = model.next(id, history);
            gained.add(token);
            if (token != draft) {
                return gained.stream().mapToInt(Integer::intValue).toArray();
            }
            history.add(draft);
        }
        gained.add(model.next(id, history));
        return gained.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Plans, runs and applies one step; returns the plan. */
    StepPlan step(Scheduler scheduler) {
        StepPlan plan = scheduler.schedule();
        scheduler.update(plan, run(plan));
        return plan;
    }

    /** Steps until every request has finished. */
    void runToCompletion(Scheduler scheduler) {
        for (int steps = 0; scheduler.hasWork(); steps++) {
            assertTrue(steps < 10_000, "the scheduler made no progress");
            step(scheduler);
        }
    }
}
