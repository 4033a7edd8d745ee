package ai.lmi.server.scheduler;

import ai.lmi.server.config.Batching;
import ai.lmi.server.core.FinishReason;
import java.util.List;

/**
 * When waiting requests may join the batch, and what becomes of a finished request's row. Continuous batching
 * admits every step and frees a row the moment its request ends; {@link StaticBatching} is the benchmark
 * baseline that keeps rows as padding until its whole batch has ended.
 */
interface BatchingPolicy {

    static BatchingPolicy of(Batching batching) {
        return batching == Batching.STATIC ? new StaticBatching() : new ContinuousBatching();
    }

    /** Whether waiting requests may join {@code running} this step. */
    boolean admits(List<Request> running);

    /**
     * A running request ended for {@code reason}: true when the policy keeps its row in {@code running} as
     * padding (the scheduler then keeps its blocks), false when the scheduler is to release it.
     */
    boolean keepsRow(Request finished, FinishReason reason, List<Request> running);

    /** The padding row of {@code requestId}, or null: a padding row is never live. */
    Request paddingRow(long requestId);

    /** A padding row left the batch early (no block for it, max_model_len, a late error). */
    void dropRow(Request row);

    /** The rows to release together when the batch is over (no live request runs in it); empty otherwise. */
    List<Request> endedBatch(List<Request> running);

    /** Counts tokens a padding row computes, for the stats. */
    void countPaddingTokens(int tokens);

    int paddingRows();

    long paddingTokens();
}
