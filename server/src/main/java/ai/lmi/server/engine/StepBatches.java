package ai.lmi.server.engine;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.scheduler.ScheduledSequence;
import ai.lmi.server.scheduler.StepPlan;
import ai.lmi.server.structured.ConstraintState;
import ai.lmi.server.worker.StepBatch;
import ai.lmi.server.worker.TokenMasks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/** Lays a scheduler's plan out as the worker's structure-of-arrays step message. */
final class StepBatches {
    private StepBatches() {}

    /** A plan of unconstrained requests. */
    static StepBatch fromPlan(StepPlan plan) {
        return fromPlan(plan, id -> null);
    }

    /**
     * @param constraints where each request's structured output stands, null for one without
     */
    static StepBatch fromPlan(StepPlan plan, LongFunction<ConstraintState> constraints) {
        List<ScheduledSequence> sequences = plan.sequences();
        int count = sequences.size();
        long[] seqIds = new long[count];
        int[] startPos = new int[count];
        int[] tokenOffsets = new int[count + 1];
        int[] blockOffsets = new int[count + 1];
        boolean[] sample = new boolean[count];
        int[] lookahead = new int[count];
        boolean speculates = false;
        for (int i = 0; i < count; i++) {
            ScheduledSequence sequence = sequences.get(i);
            seqIds[i] = sequence.requestId();
            startPos[i] = sequence.startPosition();
            sample[i] = sequence.sample();
            lookahead[i] = sequence.lookahead();
            speculates |= sequence.lookahead() > 0;
            tokenOffsets[i + 1] = tokenOffsets[i] + sequence.tokenIds().length;
            blockOffsets[i + 1] = blockOffsets[i] + sequence.blockTable().length;
        }
        int[] tokens = new int[tokenOffsets[count]];
        int[] blockTables = new int[blockOffsets[count]];
        List<NewSequence> newSequences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ScheduledSequence sequence = sequences.get(i);
            System.arraycopy(sequence.tokenIds(), 0, tokens, tokenOffsets[i], sequence.tokenIds().length);
            System.arraycopy(sequence.blockTable(), 0, blockTables, blockOffsets[i], sequence.blockTable().length);
            if (sequence.isNew()) {
                newSequences.add(sequence.newSequence());
            }
        }
        return new StepBatch(seqIds, startPos, tokenOffsets, tokens, blockOffsets, blockTables, sample,
                newSequences, plan.forgetIds(), speculates ? lookahead : new int[0],
                masks(seqIds, sample, constraints));
    }

    /** One row per distinct mask: sequences in the same state of the same automaton share it. */
    private static TokenMasks masks(long[] seqIds, boolean[] sample, LongFunction<ConstraintState> constraints) {
        int[] rowOf = null;
        List<int[]> rows = new ArrayList<>();
        Map<int[], Integer> rowIndex = new IdentityHashMap<>();
        int words = 0;
        for (int i = 0; i < seqIds.length; i++) {
            ConstraintState constraint = sample[i] ? constraints.apply(seqIds[i]) : null;
            if (constraint == null) {
                continue;
            }
            if (rowOf == null) {
                rowOf = new int[seqIds.length];
                Arrays.fill(rowOf, -1);
            }
            int[] mask = constraint.mask();
            words = Math.max(words, mask.length);
            rowOf[i] = rowIndex.computeIfAbsent(mask, m -> {
                rows.add(m);
                return rows.size() - 1;
            });
        }
        return rowOf == null ? TokenMasks.NONE : new TokenMasks(rowOf, words, rows);
    }
}
