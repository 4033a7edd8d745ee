package ai.lmi.server.scheduler;

import ai.lmi.server.core.FinishReason;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Static batching, a benchmark baseline: requests are admitted only when nothing runs. A request that meets its
 * stop condition is answered at once, but its row stays in the batch as padding, decoding tokens nobody reads,
 * until every row has finished: then the whole batch's blocks are freed together. That waste is what continuous
 * batching saves. A cancelled or failed row leaves at once.
 */
final class StaticBatching implements BatchingPolicy {
    /// rows whose request finished, decoding on until their batch ends, by id
    private final Map<Long, Request> padding = new HashMap<>();
    private long paddingTokens;

    @Override
    public boolean admits(List<Request> running) {
        return running.isEmpty();
    }

    /**
     * The finished request's row goes on as a copy, so that the request keeps the output it was answered with
     * while the copy decodes tokens nobody reads.
     */
    @Override
    public boolean keepsRow(Request finished, FinishReason reason, List<Request> running) {
        if (reason == FinishReason.ABORT || reason == FinishReason.ERROR) {
            return false;
        }
        Request row = new Request(finished.id(), finished.tokenIds(0, finished.numTokens()), finished.params(),
                finished.adapterId());
        row.startRunning(finished.numComputedTokens());
        running.set(running.indexOf(finished), row);
        padding.put(row.id(), row);
        return true;
    }

    @Override
    public Request paddingRow(long requestId) {
        return padding.get(requestId);
    }

    @Override
    public void dropRow(Request row) {
        padding.remove(row.id());
    }

    @Override
    public List<Request> endedBatch(List<Request> running) {
        if (padding.isEmpty() || running.size() != padding.size()) {
            return List.of();
        }
        padding.clear();
        return List.copyOf(running);
    }

    @Override
    public void countPaddingTokens(int tokens) {
        paddingTokens += tokens;
    }

    @Override
    public int paddingRows() {
        return padding.size();
    }

    @Override
    public long paddingTokens() {
        return paddingTokens;
    }
}
