package ai.lmi.server.engine;

import ai.lmi.server.generation.GenerationParams;
import ai.lmi.server.scheduler.RequestParams;
import ai.lmi.server.worker.SamplingParams;

/** The scheduler's view of a request's parameters; stop strings stay with the engine loop. */
final class SchedulerParams {
    private SchedulerParams() {}

    static RequestParams from(GenerationParams p) {
        SamplingParams sampling = SamplingParams.builder()
                .temperature((float) p.temperature())
                .topK(p.topK())
                .topP((float) p.topP())
                .minP((float) p.minP())
                .repetitionPenalty((float) p.repetitionPenalty())
                .presencePenalty((float) p.presencePenalty())
                .frequencyPenalty((float) p.frequencyPenalty())
                .seed(p.seed().orElse(SamplingParams.NO_SEED))
                .topLogprobs(p.topLogprobs())
                .promptLogprobs(p.promptLogprobs())
                .build();
        return new RequestParams(sampling, p.maxNewTokens(), p.ignoreEos(), p.stopTokenIds());
    }
}
