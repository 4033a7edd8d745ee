package ai.lmi.server.engine;

import ai.lmi.server.generation.GenerationParams;
import ai.lmi.server.scheduler.SamplingParams;

/** The scheduler's view of a request's parameters; stop strings stay with the engine loop. */
final class SchedulerParams {
    private SchedulerParams() {}

    static SamplingParams from(GenerationParams p) {
        return SamplingParams.builder(p.maxNewTokens())
                .temperature(p.temperature())
                .topK(p.topK())
                .topP(p.topP())
                .minP(p.minP())
                .repetitionPenalty(p.repetitionPenalty())
                .presencePenalty(p.presencePenalty())
                .frequencyPenalty(p.frequencyPenalty())
                .seed(p.seed().orElse(SamplingParams.NO_SEED))
                .topLogprobs(p.topLogprobs())
                .promptLogprobs(p.promptLogprobs())
                .ignoreEos(p.ignoreEos())
                .stopTokenIds(p.stopTokenIds())
                .build();
    }
}
