package ai.lmi.server.model;

import java.util.Optional;

/** The served model as the endpoints of every task see it: {@code /ping}, the model listings, the 503 answer. */
public interface ModelService {

    /** True once the model is loaded and while it can serve, until shutdown begins. */
    boolean isReady();

    /**
     * Whether a request may be submitted now: while ready, and for a model that queues requests while it recovers
     * (a generative model whose worker restarts), then too. {@code /ping} still reports {@link #isReady()}.
     */
    default boolean acceptsRequests() {
        return isReady();
    }

    /** True once a graceful shutdown has begun: requests in flight finish, new ones are refused. */
    boolean isShuttingDown();

    ModelDescription model();

    /** Why the model can no longer serve at all (its worker failed past its restart budget); empty while it can. */
    default Optional<String> failure() {
        return Optional.empty();
    }
}
