package ai.lmi.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batches an LMI server's dynamic batcher formed for its embedding model during one run: the change of the
 * {@code lmi_embedding_batch_size} and {@code lmi_embedding_batch_seconds} histograms between two scrapes.
 *
 * @param inputs the inputs those batches held, summed
 * @param buckets batches per {@code le} bucket of {@code lmi_embedding_batch_size}, cumulative as Prometheus
 *     counts them, in exposition order
 * @param meanBatchMs milliseconds the model took per batch; NaN when no batch ran or the server has no
 *     {@code lmi_embedding_batch_seconds}
 */
public record EmbeddingBatches(long batches, long inputs, Map<String, Long> buckets, double meanBatchMs) {

    static final String SIZE_METRIC = "lmi_embedding_batch_size";
    private static final String TIME_METRIC = "lmi_embedding_batch_seconds";
    private static final String LE = "le";

    /** The batches of one range of sizes, from {@code smallest} to {@code largest} inputs. */
    public record SizeRange(long smallest, long largest, long batches) {

        /** {@code 3}, {@code 3-4}, or {@code >256} for the bucket without an upper bound. */
        public String label() {
            if (largest == Long.MAX_VALUE) {
                return ">" + (smallest - 1);
            }
            return smallest == largest ? Long.toString(smallest) : smallest + "-" + largest;
        }
    }

    /** The change between two scrapes; null when {@code after} has no {@code lmi_embedding_batch_size}. */
    static EmbeddingBatches between(PrometheusText before, PrometheusText after) {
        if (after.value(SIZE_METRIC + "_count").isEmpty()) {
            return null;
        }
        Map<String, Double> bucketsBefore = before.byLabel(SIZE_METRIC + "_bucket", LE);
        Map<String, Long> buckets = new LinkedHashMap<>();
        after.byLabel(SIZE_METRIC + "_bucket", LE).forEach((le, value) ->
                buckets.put(le, Math.round(value - bucketsBefore.getOrDefault(le, 0.0))));
        long timedBatches = Math.round(delta(before, after, TIME_METRIC + "_count"));
        double seconds = delta(before, after, TIME_METRIC + "_sum");
        return new EmbeddingBatches(Math.round(delta(before, after, SIZE_METRIC + "_count")),
                Math.round(delta(before, after, SIZE_METRIC + "_sum")), Collections.unmodifiableMap(buckets),
                timedBatches > 0 ? seconds * 1000 / timedBatches : Double.NaN);
    }

    /** Inputs per batch; NaN when no batch ran. */
    public double meanBatchSize() {
        return batches > 0 ? (double) inputs / batches : Double.NaN;
    }

    /**
     * Batches per range of sizes rather than cumulative, empty ranges left out. Batch sizes are whole numbers,
     * so the bucket above {@code le="2"} up to {@code le="4"} holds sizes 3 and 4.
     */
    public List<SizeRange> sizeRanges() {
        List<SizeRange> ranges = new ArrayList<>();
        long below = 0;
        long previousCumulative = 0;
        for (Map.Entry<String, Long> bucket : buckets.entrySet()) {
            double bound = upperBound(bucket.getKey());
            long largest = Double.isInfinite(bound) ? Long.MAX_VALUE : (long) Math.floor(bound);
            long inBucket = bucket.getValue() - previousCumulative;
            if (inBucket > 0) {
                ranges.add(new SizeRange(below + 1, largest, inBucket));
            }
            previousCumulative = bucket.getValue();
            below = largest;
        }
        return List.copyOf(ranges);
    }

    private static double upperBound(String le) {
        return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }

    private static double delta(PrometheusText before, PrometheusText after, String name) {
        return after.value(name).orElse(0) - before.value(name).orElse(0);
    }
}
