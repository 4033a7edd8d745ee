package ai.lmi.server.engine;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.generation.GenerationRequest;
import ai.lmi.server.generation.TokenSink;
import java.util.concurrent.CompletableFuture;

/** What other threads ask of the engine thread; it applies them between steps. */
sealed interface EngineCommand {

    record Submit(long requestId, GenerationRequest request, TokenSink sink, long submittedNanos)
            implements EngineCommand {}

    record Cancel(long requestId) implements EngineCommand {}

    /** Load an adapter into the worker; {@code done} completes when it is there, or with why not. */
    record LoadAdapter(Adapter adapter, CompletableFuture<Void> done) implements EngineCommand {}

    /** Free an adapter once no request uses it. */
    record RetireAdapter(int adapterId) implements EngineCommand {}

    record Stop() implements EngineCommand {}
}
