package ai.lmi.server.engine;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.scheduler.ScheduledSequence;
import ai.lmi.server.scheduler.StepPlan;
import ai.lmi.server.worker.StepBatch;
import java.util.ArrayList;
import java.util.List;

/** Lays a scheduler's plan out as the worker's structure-of-arrays step message. */
final class StepBatches {
    private StepBatches() {}

    static StepBatch fromPlan(StepPlan plan) {
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
                newSequences, plan.forgetIds(), speculates ? lookahead : new int[0]);
    }
}
