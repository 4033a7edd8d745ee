package ai.lmi.bench;

import java.util.Arrays;

/** Mean and percentiles of one latency metric over a run. */
public record Distribution(double mean, double p50, double p90, double p99) {

    /** The distribution of {@code values}, or null when there are none. */
    static Distribution of(double[] values) {
        if (values.length == 0) {
            return null;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Distribution(Arrays.stream(sorted).average().orElseThrow(), Percentiles.of(sorted, 50),
                Percentiles.of(sorted, 90), Percentiles.of(sorted, 99));
    }
}
