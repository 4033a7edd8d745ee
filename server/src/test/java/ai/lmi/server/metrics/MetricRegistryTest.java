package ai.lmi.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricRegistryTest {

    @Test
    void rendersCountersGaugesAndHistogramsAsParseableText() {
        MetricRegistry registry = new MetricRegistry();
        Counter plain = registry.register(Counter.of("jobs_total", "Jobs done."));
        Counter byStatus = registry.register(Counter.labelled("calls_total", "Calls.", "status"));
        AtomicInteger depth = new AtomicInteger(7);
        registry.register(new Gauge("queue_depth", "Queued.", depth::get));
        registry.register(new CallbackCounter("hits_total", "Hits.", () -> 42));
        plain.add(3);
        byStatus.inc("200");
        byStatus.inc("200");
        byStatus.inc("503");

        String text = registry.render();
        Map<String, Double> samples = PrometheusTextParser.parse(text);

        assertTrue(text.startsWith("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 3\n"), text);
        assertEquals(2, samples.get("calls_total{status=\"200\"}"));
        assertEquals(1, samples.get("calls_total{status=\"503\"}"));
        assertEquals(7, samples.get("queue_depth"));
        assertEquals(42, samples.get("hits_total"));
        depth.set(2);
        assertEquals(2, PrometheusTextParser.parse(registry.render()).get("queue_depth"));
    }

    @Test
    void histogramBucketsAreCumulativeAndEndWithInfEqualToCount() {
        Histogram histogram = Histogram.of("latency_seconds", "Latency.", 0.0001, 0.01, 1);
        for (double value : new double[] {0.00005, 0.0001, 0.005, 0.5, 0.7, 3}) {
            histogram.observe(value);
        }
        StringBuilder out = new StringBuilder();
        histogram.writeTo(out);
        Map<String, Double> samples = PrometheusTextParser.parse(out.toString());

        // An observation equal to a bound belongs to that bucket (le = less or equal).
        assertEquals(2, samples.get("latency_seconds_bucket{le=\"0.0001\"}"));
        assertEquals(3, samples.get("latency_seconds_bucket{le=\"0.01\"}"));
        assertEquals(5, samples.get("latency_seconds_bucket{le=\"1\"}"));
        assertEquals(6, samples.get("latency_seconds_bucket{le=\"+Inf\"}"));
        assertEquals(6, samples.get("latency_seconds_count"));
        assertEquals(4.20515, samples.get("latency_seconds_sum"), 1e-9);
        assertEquals(6, histogram.count());
        double previous = 0;
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            if (sample.getKey().contains("_bucket")) {
                assertTrue(sample.getValue() >= previous, "buckets must be cumulative: " + samples);
                previous = sample.getValue();
            }
        }
    }

    @Test
    void labelledHistogramRendersEverySeriesFromTheStart() {
        Histogram histogram = Histogram.labelled("step_seconds", "Steps.", "phase", List.of("a", "b"), 1);
        histogram.observe("b", 0.5);
        StringBuilder out = new StringBuilder();
        histogram.writeTo(out);
        Map<String, Double> samples = PrometheusTextParser.parse(out.toString());

        assertEquals(0, samples.get("step_seconds_count{phase=\"a\"}"));
        assertEquals(1, samples.get("step_seconds_bucket{phase=\"b\",le=\"1\"}"));
        assertEquals(1, histogram.count("b"));
        assertThrows(IllegalArgumentException.class, () -> histogram.observe("c", 1));
        assertThrows(IllegalStateException.class, () -> histogram.observe(1));
    }

    @Test
    void escapesLabelValuesAndHelpText() {
        Counter counter = Counter.labelled("odd_total", "Line one\nback\\slash.", "value");
        counter.inc("say \"hi\"\n\\");
        StringBuilder out = new StringBuilder();
        counter.writeTo(out);

        assertTrue(out.toString().contains("# HELP odd_total Line one\\nback\\\\slash.\n"), out.toString());
        assertTrue(out.toString().contains("odd_total{value=\"say \\\"hi\\\"\\n\\\\\"} 1\n"), out.toString());
        PrometheusTextParser.parse(out.toString());
    }

    @Test
    void rejectsInvalidNamesDuplicatesAndDecreases() {
        MetricRegistry registry = new MetricRegistry();
        registry.register(Counter.of("a_total", "A."));
        assertThrows(IllegalArgumentException.class, () -> registry.register(Counter.of("a_total", "Again.")));
        assertThrows(IllegalArgumentException.class, () -> Counter.of("bad-name", "Dash."));
        assertThrows(IllegalArgumentException.class, () -> Counter.labelled("b_total", "B.", "le"));
        assertThrows(IllegalArgumentException.class, () -> Histogram.of("h", "H.", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Counter.of("c_total", "C.").add(-1));
        assertThrows(IllegalStateException.class, () -> Counter.of("d_total", "D.").inc("x"));
    }

    @Test
    void formatsNumbersWithoutExponents() {
        assertEquals("0.00005", PrometheusFormat.formatNumber(0.00005));
        assertEquals("1", PrometheusFormat.formatNumber(1.0));
        assertEquals("2.5", PrometheusFormat.formatNumber(2.5));
        assertEquals("+Inf", PrometheusFormat.formatNumber(Double.POSITIVE_INFINITY));
        assertEquals("NaN", PrometheusFormat.formatNumber(Double.NaN));
    }
}
