package ai.lmi.server.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/** A count that only goes up, either one series or one series per value of a single label. */
public final class Counter implements Metric {

    private static final String UNLABELLED = "";

    private final String name;
    private final String help;
    /** Null for an unlabelled counter. */
    private final String labelName;
    /** Sorted so that scrapes list series in a stable order. */
    private final Map<String, LongAdder> series = new ConcurrentSkipListMap<>();

    private Counter(String name, String help, String labelName) {
        this.name = PrometheusFormat.requireMetricName(name);
        this.help = help;
        this.labelName = labelName == null ? null : PrometheusFormat.requireLabelName(labelName);
        if (labelName == null) {
            series.put(UNLABELLED, new LongAdder());
        }
    }

    public static Counter of(String name, String help) {
        return new Counter(name, help, null);
    }

    /** A counter split by {@code labelName}; a series appears on its first increment. */
    public static Counter labelled(String name, String help, String labelName) {
        return new Counter(name, help, labelName);
    }

    public void inc() {
        add(1);
    }

    public void add(long amount) {
        requireLabelled(false);
        increment(UNLABELLED, amount);
    }

    public void inc(String labelValue) {
        requireLabelled(true);
        increment(labelValue, 1);
    }

    /** The count for one label value; 0 when it was never incremented. */
    public long value(String labelValue) {
        requireLabelled(true);
        LongAdder adder = series.get(labelValue);
        return adder == null ? 0 : adder.sum();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void writeTo(StringBuilder out) {
        PrometheusFormat.writeHeader(out, name, help, "counter");
        series.forEach((labelValue, adder) -> PrometheusFormat.writeSample(out, name,
                labelName == null ? "" : PrometheusFormat.labels(labelName, labelValue), adder.sum()));
    }

    private void increment(String labelValue, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException(name + " cannot decrease, got " + amount);
        }
        series.computeIfAbsent(labelValue, v -> new LongAdder()).add(amount);
    }

    private void requireLabelled(boolean labelled) {
        if ((labelName != null) != labelled) {
            throw new IllegalStateException(labelled
                    ? name + " has no label; call inc() without a value"
                    : name + " is labelled by " + labelName + "; pass its value");
        }
    }
}
