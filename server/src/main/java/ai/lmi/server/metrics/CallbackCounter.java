package ai.lmi.server.metrics;

import java.util.function.LongSupplier;

/** A counter whose running total is kept elsewhere (e.g. by the scheduler) and read at scrape time. */
public final class CallbackCounter implements Metric {

    private final String name;
    private final String help;
    private final LongSupplier total;

    public CallbackCounter(String name, String help, LongSupplier total) {
        this.name = PrometheusFormat.requireMetricName(name);
        this.help = help;
        this.total = total;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void writeTo(StringBuilder out) {
        PrometheusFormat.writeHeader(out, name, help, "counter");
        PrometheusFormat.writeSample(out, name, "", total.getAsLong());
    }
}
