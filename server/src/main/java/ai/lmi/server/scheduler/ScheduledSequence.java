package ai.lmi.server.scheduler;

import ai.lmi.server.core.NewSequence;

/**
 * One sequence's share of a step: the worker computes {@code tokenIds} at positions
 * {@code startPosition, startPosition+1, …}, writing their KV into {@code blockTable}; a speculating sequence
 * also computes up to {@code lookahead} draft tokens after them, which its block table covers.
 *
 * @param requestId     the sequence
 * @param tokenIds      the tokens to compute this step (at least one)
 * @param startPosition the position of {@code tokenIds[0]}
 * @param blockTable    the sequence's whole block table, in position order
 * @param sample        whether to sample a token after the last one (its prefill is complete)
 * @param newSequence   set when the worker does not know the sequence yet (first sight or recompute), else null
 * @param lookahead     draft tokens the sequence may gain after its sampled one (decodes only); 0: none
 */
public record ScheduledSequence(
        long requestId,
        int[] tokenIds,
        int startPosition,
        int[] blockTable,
        boolean sample,
        NewSequence newSequence,
        int lookahead) {

    public boolean isNew() {
        return newSequence != null;
    }
}
