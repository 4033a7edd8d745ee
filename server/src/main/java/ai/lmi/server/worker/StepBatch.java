package ai.lmi.server.worker;

import ai.lmi.server.core.NewSequence;
import java.util.List;
import java.util.Objects;

/**
 * One engine step: a ragged batch of scheduled sequences, structure-of-arrays, as the STEP message carries it.
 *
 * <p>Sequence i computes {@code tokens[tokenOffsets[i] .. tokenOffsets[i+1])} at positions from
 * {@code startPos[i]}; its block table is {@code blockTables[blockOffsets[i] .. blockOffsets[i+1])}. The
 * arrays are not copied: do not change them once the batch is built. The constructor checks only that the
 * arrays fit together; the worker's engine checks their meaning and answers a bad step with a {@link StepError}.
 *
 * @param seqIds       [S] scheduled sequences, batch order
 * @param startPos     [S] position of each sequence's first token in this step
 * @param tokenOffsets [S + 1] from 0 to the number of tokens
 * @param tokens       [T] token ids
 * @param blockOffsets [S + 1] from 0 to the number of block-table entries
 * @param blockTables  [B] KV-cache block ids
 * @param sample       [S] whether to sample a token after the sequence's last position in this step
 * @param newSequences sequences seen for the first time (or again after preemption), before the step runs
 * @param finished     sequences the worker forgets, before the step runs
 * @param lookahead    [S] draft tokens each sampling sequence may gain after its last one (its block table
 *                     covers them), or [0] when no sequence speculates
 * @param masks        the allowed tokens of constrained sequences; {@link TokenMasks#NONE} when none is
 */
public record StepBatch(long[] seqIds, int[] startPos, int[] tokenOffsets, int[] tokens, int[] blockOffsets,
                        int[] blockTables, boolean[] sample, List<NewSequence> newSequences, long[] finished,
                        int[] lookahead, TokenMasks masks) {

    private static final StepBatch EMPTY = new StepBatch(new long[0], new int[0], new int[] {0}, new int[0],
            new int[] {0}, new int[0], new boolean[0], List.of(), new long[0]);

    /** A step in which no sequence speculates. */
    public StepBatch(long[] seqIds, int[] startPos, int[] tokenOffsets, int[] tokens, int[] blockOffsets,
                     int[] blockTables, boolean[] sample, List<NewSequence> newSequences, long[] finished) {
        this(seqIds, startPos, tokenOffsets, tokens, blockOffsets, blockTables, sample, newSequences, finished,
                new int[0]);
    }

    /** A step in which no sequence is constrained. */
    public StepBatch(long[] seqIds, int[] startPos, int[] tokenOffsets, int[] tokens, int[] blockOffsets,
                     int[] blockTables, boolean[] sample, List<NewSequence> newSequences, long[] finished,
                     int[] lookahead) {
        this(seqIds, startPos, tokenOffsets, tokens, blockOffsets, blockTables, sample, newSequences, finished,
                lookahead, TokenMasks.NONE);
    }

    public StepBatch {
        newSequences = List.copyOf(newSequences);
        int s = seqIds.length;
        requireLength("startPos", startPos.length, s);
        requireLength("sample", sample.length, s);
        requireLength("tokenOffsets", tokenOffsets.length, s + 1);
        requireLength("blockOffsets", blockOffsets.length, s + 1);
        requireSpan("tokenOffsets", tokenOffsets, tokens.length);
        requireSpan("blockOffsets", blockOffsets, blockTables.length);
        Objects.requireNonNull(finished, "finished");
        if (lookahead.length != 0) {
            requireLength("lookahead", lookahead.length, s);
        }
        if (masks.present()) {
            requireLength("masks.rowOf", masks.rowOf().length, s);
        }
    }

    /** Whether some sequence may gain drafts: the STEP message then carries the lookahead array. */
    public boolean speculates() {
        return lookahead.length > 0;
    }

    private static void requireLength(String name, int length, int expected) {
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " entries, expected " + expected);
        }
    }

    private static void requireSpan(String name, int[] offsets, int total) {
        if (offsets[0] != 0 || offsets[offsets.length - 1] != total) {
            throw new IllegalArgumentException(name + " must run from 0 to " + total + ", not from " + offsets[0]
                    + " to " + offsets[offsets.length - 1]);
        }
    }

    /** A step with nothing scheduled, new or finished. */
    public static StepBatch empty() {
        return EMPTY;
    }

    /** Scheduled sequences (S). */
    public int numSeqs() {
        return seqIds.length;
    }
}
