package ai.lmi.server.engine;

import ai.lmi.server.generation.GenerationRequest;
import ai.lmi.server.generation.TokenSink;

/** What other threads ask of the engine thread; it applies them between steps. */
sealed interface EngineCommand {

    record Submit(long requestId, GenerationRequest request, TokenSink sink, long submittedNanos)
            implements EngineCommand {}

    record Cancel(long requestId) implements EngineCommand {}

    record Stop() implements EngineCommand {}
}
