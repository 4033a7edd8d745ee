package ai.lmi.server.metrics;

import java.util.function.DoubleSupplier;

/** A value that goes up and down, read from its supplier at scrape time. */
public final class Gauge implements Metric {

    private final String name;
    private final String help;
    private final DoubleSupplier value;

    public Gauge(String name, String help, DoubleSupplier value) {
        this.name = PrometheusFormat.requireMetricName(name);
        this.help = help;
        this.value = value;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void writeTo(StringBuilder out) {
        PrometheusFormat.writeHeader(out, name, help, "gauge");
        PrometheusFormat.writeSample(out, name, "", value.getAsDouble());
    }
}
