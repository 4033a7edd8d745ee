package ai.lmi.server.metrics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Observations counted into fixed buckets, rendered as cumulative {@code _bucket{le=...}} lines plus
 * {@code _sum} and {@code _count}; either one series or one per value of a single label, all declared up front.
 */
public final class Histogram implements Metric {

    private static final String UNLABELLED = "";

    private final String name;
    private final String help;
    /** Null for an unlabelled histogram. */
    private final String labelName;
    /** Upper bounds, strictly increasing; the +Inf bucket is implicit. */
    private final double[] bounds;
    private final Map<String, Series> series = new LinkedHashMap<>();

    private Histogram(String name, String help, double[] bounds, String labelName, List<String> labelValues) {
        this.name = PrometheusFormat.requireMetricName(name);
        this.help = help;
        this.labelName = labelName == null ? null : PrometheusFormat.requireLabelName(labelName);
        this.bounds = checkedBounds(bounds);
        labelValues.forEach(value -> series.put(value, new Series(this.bounds.length + 1)));
    }

    public static Histogram of(String name, String help, double... bounds) {
        return new Histogram(name, help, bounds, null, List.of(UNLABELLED));
    }

    /** A histogram with one series for each of {@code labelValues}; observing another value is an error. */
    public static Histogram labelled(
            String name, String help, String labelName, List<String> labelValues, double... bounds) {
        if (labelValues.isEmpty()) {
            throw new IllegalArgumentException(name + " needs at least one value of " + labelName);
        }
        return new Histogram(name, help, bounds, labelName, labelValues);
    }

    public void observe(double value) {
        if (labelName != null) {
            throw new IllegalStateException(name + " is labelled by " + labelName + "; pass its value");
        }
        series.get(UNLABELLED).observe(value, bounds);
    }

    public void observe(String labelValue, double value) {
        Series target = labelName == null ? null : series.get(labelValue);
        if (target == null) {
            throw new IllegalArgumentException(name + " has no series " + labelName + "=" + labelValue);
        }
        target.observe(value, bounds);
    }

    /** Observations so far in an unlabelled histogram. */
    public long count() {
        if (labelName != null) {
            throw new IllegalStateException(name + " is labelled by " + labelName + "; pass its value");
        }
        return series.get(UNLABELLED).count();
    }

    /** Observations so far in one labelled series. */
    public long count(String labelValue) {
        Series target = labelName == null ? null : series.get(labelValue);
        if (target == null) {
            throw new IllegalArgumentException(name + " has no series " + labelName + "=" + labelValue);
        }
        return target.count();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void writeTo(StringBuilder out) {
        PrometheusFormat.writeHeader(out, name, help, "histogram");
        series.forEach((labelValue, s) -> s.writeTo(out, labelValue));
    }

    private static double[] checkedBounds(double[] bounds) {
        if (bounds.length == 0) {
            throw new IllegalArgumentException("a histogram needs at least one bucket bound");
        }
        for (int i = 0; i < bounds.length; i++) {
            if (!Double.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must be finite and increasing: "
                        + Arrays.toString(bounds));
            }
        }
        return bounds.clone();
    }

    /** One labelled series: a count per bucket (not cumulative until rendered) and the sum. */
    private final class Series {
        private final LongAdder[] buckets;
        private final DoubleAdder sum = new DoubleAdder();

        Series(int bucketCount) {
            buckets = new LongAdder[bucketCount];
            Arrays.setAll(buckets, i -> new LongAdder());
        }

        void observe(double value, double[] upperBounds) {
            int bucket = Arrays.binarySearch(upperBounds, value);
            // A miss returns -(insertion point) - 1: the first bound above the value, or the +Inf bucket.
            buckets[bucket >= 0 ? bucket : -bucket - 1].increment();
            sum.add(value);
        }

        long count() {
            long total = 0;
            for (LongAdder bucket : buckets) {
                total += bucket.sum();
            }
            return total;
        }

        void writeTo(StringBuilder out, String labelValue) {
            long cumulative = 0;
            for (int i = 0; i < buckets.length; i++) {
                cumulative += buckets[i].sum();
                String le = i < bounds.length ? PrometheusFormat.formatNumber(bounds[i]) : "+Inf";
                PrometheusFormat.writeSample(out, name + "_bucket", labels("le", le, labelValue), cumulative);
            }
            PrometheusFormat.writeSample(out, name + "_sum", labels(null, null, labelValue), sum.sum());
            // The count is the +Inf bucket, so a scrape racing an observation stays self-consistent.
            PrometheusFormat.writeSample(out, name + "_count", labels(null, null, labelValue), cumulative);
        }

        private String labels(String extraName, String extraValue, String labelValue) {
            if (labelName == null) {
                return extraName == null ? "" : PrometheusFormat.labels(extraName, extraValue);
            }
            return extraName == null
                    ? PrometheusFormat.labels(labelName, labelValue)
                    : PrometheusFormat.labels(labelName, labelValue, extraName, extraValue);
        }
    }
}
