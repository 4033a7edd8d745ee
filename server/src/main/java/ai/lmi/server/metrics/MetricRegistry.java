package ai.lmi.server.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/** The metrics one process exposes, in registration order, rendered as one Prometheus text page. */
public final class MetricRegistry {

    /** The Content-Type of {@link #render()}'s output. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final List<Metric> metrics = new CopyOnWriteArrayList<>();
    private final Map<String, Metric> byName = new ConcurrentHashMap<>();

    /** Adds {@code metric}; a second metric with the same name is a programming error. */
    public <M extends Metric> M register(M metric) {
        if (byName.putIfAbsent(metric.name(), metric) != null) {
            throw new IllegalArgumentException("metric already registered: " + metric.name());
        }
        metrics.add(metric);
        return metric;
    }

    public String render() {
        StringBuilder out = new StringBuilder(4096);
        metrics.forEach(metric -> metric.writeTo(out));
        return out.toString();
    }
}
