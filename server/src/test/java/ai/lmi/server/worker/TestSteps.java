package ai.lmi.server.worker;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;
import java.util.List;

/** Builds StepBatches from per-sequence pieces, the way a scheduler does, for tests and the round-trip tool. */
final class TestSteps {

    /** One sequence's share of a step. */
    record Scheduled(long seqId, int[] tokens, int startPos, int[] blockTable, boolean sample) {
    }

    private TestSteps() {
    }

    static StepBatch build(List<Scheduled> seqs, List<NewSequence> newSequences, long... finished) {
        int s = seqs.size();
        long[] seqIds = new long[s];
        int[] startPos = new int[s];
        int[] tokenOffsets = new int[s + 1];
        int[] blockOffsets = new int[s + 1];
        boolean[] sample = new boolean[s];
        for (int i = 0; i < s; i++) {
            Scheduled seq = seqs.get(i);
            seqIds[i] = seq.seqId();
            startPos[i] = seq.startPos();
            sample[i] = seq.sample();
            tokenOffsets[i + 1] = tokenOffsets[i] + seq.tokens().length;
            blockOffsets[i + 1] = blockOffsets[i] + seq.blockTable().length;
        }
        int[] tokens = new int[tokenOffsets[s]];
        int[] blockTables = new int[blockOffsets[s]];
        for (int i = 0; i < s; i++) {
            System.arraycopy(seqs.get(i).tokens(), 0, tokens, tokenOffsets[i], seqs.get(i).tokens().length);
            System.arraycopy(seqs.get(i).blockTable(), 0, blockTables, blockOffsets[i],
                    seqs.get(i).blockTable().length);
        }
        return new StepBatch(seqIds, startPos, tokenOffsets, tokens, blockOffsets, blockTables, sample,
                newSequences, finished);
    }

    /** A step that prefills a new sequence's whole prompt from position 0 and samples after it. */
    static StepBatch prefill(long seqId, int[] prompt, int[] blockTable, SamplingParams params, long... finished) {
        return build(List.of(new Scheduled(seqId, prompt, 0, blockTable, true)),
                List.of(new NewSequence(seqId, prompt.length, params)), finished);
    }

    /** A step that computes one token of a running sequence at {@code position} and samples after it. */
    static StepBatch decode(long seqId, int token, int position, int[] blockTable) {
        return build(List.of(new Scheduled(seqId, new int[] {token}, position, blockTable, true)), List.of());
    }
}
