package ai.lmi.server.scheduler;

import ai.lmi.server.core.FinishReason;
import java.util.List;

/** vLLM v1's batching: requests join every step while there is room and leave the moment they end. */
final class ContinuousBatching implements BatchingPolicy {

    @Override
    public boolean admits(List<Request> running) {
        return true;
    }

    @Override
    public boolean keepsRow(Request finished, FinishReason reason, List<Request> running) {
        return false;
    }

    @Override
    public Request paddingRow(long requestId) {
        return null;
    }

    @Override
    public void dropRow(Request row) {
        throw new IllegalStateException("continuous batching has no padding rows");
    }

    @Override
    public List<Request> endedBatch(List<Request> running) {
        return List.of();
    }

    @Override
    public void countPaddingTokens(int tokens) {
        throw new IllegalStateException("continuous batching has no padding rows");
    }

    @Override
    public int paddingRows() {
        return 0;
    }

    @Override
    public long paddingTokens() {
        return 0;
    }
}
