package ai.lmi.engines.embedding;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every batch the engine reports. */
final class RecordingObserver implements BatchObserver {

    record Batch(int inputs, int paddedTokens, double seconds) {}

    final List<Batch> batches = new CopyOnWriteArrayList<>();

    @Override
    public void batchRan(int inputs, int paddedTokens, double seconds) {
        batches.add(new Batch(inputs, paddedTokens, seconds));
    }

    int largestBatch() {
        return batches.stream().mapToInt(Batch::inputs).max().orElse(0);
    }

    int totalInputs() {
        return batches.stream().mapToInt(Batch::inputs).sum();
    }
}
