package ai.lmi.server.scheduler;

import java.util.List;

/** Step plans written compactly, for exact assertions. */
final class Plans {
    private Plans() {
    }

    /**
     * "id:tokens@start" per sequence, with "+s" when it samples, "+kN" when it may gain N drafts, and "new" when
     * the worker sees it first.
     */
    static List<String> shape(StepPlan plan) {
        return plan.sequences().stream()
                .map(s -> s.requestId() + ":" + s.tokenIds().length + "@" + s.startPosition()
                        + (s.sample() ? "+s" : "") + (s.lookahead() > 0 ? "+k" + s.lookahead() : "")
                        + (s.isNew() ? " new" : ""))
                .toList();
    }

    static ScheduledSequence sequenceOf(StepPlan plan, long requestId) {
        return plan.sequences().stream().filter(s -> s.requestId() == requestId).findFirst().orElseThrow();
    }
}
