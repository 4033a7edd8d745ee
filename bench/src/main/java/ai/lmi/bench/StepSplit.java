package ai.lmi.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Where an LMI server's engine steps spent their time during one run: the change of
 * {@code lmi_step_seconds_sum} and {@code _count} per {@code phase} label between two scrapes, with whatever
 * phases the server reports. Also the changes of the prefix-cache hit and preemption counters.
 *
 * @param prefixCacheHitTokens null when the server has no such counter; likewise {@code preemptions}
 */
public record StepSplit(List<Phase> phases, Long prefixCacheHitTokens, Long preemptions) {

    static final String STEP_METRIC = "lmi_step_seconds";
    private static final String PREFIX_HITS = "lmi_prefix_cache_hit_tokens_total";
    private static final String PREEMPTIONS = "lmi_preemptions_total";
    private static final String PHASE = "phase";

    /**
     * One phase's share of the run's steps.
     *
     * @param meanMs milliseconds per step in this phase; NaN when no step was counted
     * @param share this phase's part of the time summed over all phases, from 0 to 1
     */
    public record Phase(String name, double seconds, long steps, double meanMs, double share) {}

    static StepSplit between(PrometheusText before, PrometheusText after) {
        Map<String, Double> sumsBefore = before.byLabel(STEP_METRIC + "_sum", PHASE);
        Map<String, Double> countsBefore = before.byLabel(STEP_METRIC + "_count", PHASE);
        Map<String, Double> countsAfter = after.byLabel(STEP_METRIC + "_count", PHASE);
        Map<String, Double> sumsAfter = after.byLabel(STEP_METRIC + "_sum", PHASE);
        double total = 0;
        for (Map.Entry<String, Double> sum : sumsAfter.entrySet()) {
            total += sum.getValue() - sumsBefore.getOrDefault(sum.getKey(), 0.0);
        }
        List<Phase> phases = new ArrayList<>();
        for (Map.Entry<String, Double> sum : sumsAfter.entrySet()) {
            String phase = sum.getKey();
            double seconds = sum.getValue() - sumsBefore.getOrDefault(phase, 0.0);
            long steps = Math.round(countsAfter.getOrDefault(phase, 0.0) - countsBefore.getOrDefault(phase, 0.0));
            phases.add(new Phase(phase, seconds, steps, steps > 0 ? seconds * 1000 / steps : Double.NaN,
                    total > 0 ? seconds / total : 0));
        }
        return new StepSplit(List.copyOf(phases), counterDelta(before, after, PREFIX_HITS),
                counterDelta(before, after, PREEMPTIONS));
    }

    private static Long counterDelta(PrometheusText before, PrometheusText after, String name) {
        OptionalDouble end = after.value(name);
        if (end.isEmpty()) {
            return null;
        }
        return Math.round(end.getAsDouble() - before.value(name).orElse(0));
    }
}
