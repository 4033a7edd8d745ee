package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.metrics.StepPhase;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parser and the step split on the exposition the real server renders. */
class PrometheusTextTest {

    private static final double EPSILON = 1e-9;
    private static final long MS = 1_000_000;

    @Test
    void readsTheServersOwnScrape() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.observeStep(StepPhase.FORWARD, 12 * MS);
        metrics.countRequest(200);
        PrometheusText text = PrometheusText.parse(metrics.render());

        assertTrue(text.hasFamily("lmi_step_seconds"));
        assertFalse(text.hasFamily("lmi_step"));
        Map<String, Double> sums = text.byLabel("lmi_step_seconds_sum", "phase");
        List<String> phases = Arrays.stream(StepPhase.values()).map(StepPhase::label).toList();
        assertEquals(phases, List.copyOf(sums.keySet()));
        assertEquals(0.012, sums.get("forward"), EPSILON);
        assertEquals(1.0, text.byLabel("lmi_step_seconds_count", "phase").get("forward"), EPSILON);
        assertEquals(1.0, text.byLabel("lmi_requests_total", "status").get("200"), EPSILON);
        assertEquals(0.0, text.value("lmi_preemptions_total").orElseThrow(), EPSILON);
        assertTrue(text.value("lmi_no_such_metric").isEmpty());
    }

    @Test
    void theStepSplitIsTheChangeBetweenTwoScrapesPerPhase() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.observeStep(StepPhase.FORWARD, 500 * MS);
        PrometheusText before = PrometheusText.parse(metrics.render());
        for (int step = 0; step < 4; step++) {
            metrics.observeStep(StepPhase.SCHEDULE, MS);
            metrics.observeStep(StepPhase.IPC, MS);
            metrics.observeStep(StepPhase.FORWARD, 8 * MS);
        }
        StepSplit split = StepSplit.between(before, PrometheusText.parse(metrics.render()));

        StepSplit.Phase schedule = phase(split, "schedule");
        StepSplit.Phase forward = phase(split, "forward");
        assertEquals(4, forward.steps());
        assertEquals(0.032, forward.seconds(), EPSILON);
        assertEquals(8.0, forward.meanMs(), EPSILON);
        assertEquals(0.8, forward.share(), EPSILON);
        assertEquals(1.0, schedule.meanMs(), EPSILON);
        assertEquals(0.1, schedule.share(), EPSILON);
        assertEquals(0L, split.prefixCacheHitTokens());
        assertEquals(0L, split.preemptions());
    }

    @Test
    void anyPhaseLabelCountsAndAbsentCountersStayAbsent() {
        PrometheusText before = PrometheusText.parse("lmi_step_seconds_sum{phase=\"sample\"} 1\n"
                + "lmi_step_seconds_count{phase=\"sample\"} 10\n");
        PrometheusText after = PrometheusText.parse("# HELP lmi_step_seconds Time of one step.\n"
                + "# TYPE lmi_step_seconds histogram\n"
                + "lmi_step_seconds_sum{phase=\"sample\"} 1.5\n"
                + "lmi_step_seconds_count{phase=\"sample\"} 20\n"
                + "lmi_step_seconds_sum{phase=\"new\"} 0.5 1712345678000\n"
                + "lmi_step_seconds_count{phase=\"new\"} 5\n");
        StepSplit split = StepSplit.between(before, after);
        assertEquals(50.0, phase(split, "sample").meanMs(), EPSILON);
        assertEquals(0.5, phase(split, "sample").share(), EPSILON);
        assertEquals(100.0, phase(split, "new").meanMs(), EPSILON);
        assertNull(split.prefixCacheHitTokens());
        assertNull(split.preemptions());
    }

    @Test
    void labelValuesMayHoldEscapesCommasAndBraces() {
        PrometheusText text = PrometheusText.parse(
                "m{a=\"x,y\",b=\"say \\\"hi\\\"\",c=\"}\"} +Inf\nnot a sample line\nm_total 3\n");
        assertEquals(Map.of("x,y", Double.POSITIVE_INFINITY), text.byLabel("m", "a"));
        assertEquals(Map.of("say \"hi\"", Double.POSITIVE_INFINITY), text.byLabel("m", "b"));
        assertEquals(Map.of("}", Double.POSITIVE_INFINITY), text.byLabel("m", "c"));
        assertEquals(3.0, text.value("m_total").orElseThrow(), EPSILON);
    }

    private static StepSplit.Phase phase(StepSplit split, String name) {
        return split.phases().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }
}
