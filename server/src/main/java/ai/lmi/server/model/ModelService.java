package ai.lmi.server.model;

import java.util.Optional;

/** The served model as the endpoints of every task see it: {@code /ping}, the model listings, the 503 answer. */
public interface ModelService {

    /** True once the model is loaded and while it can serve, until shutdown begins. */
    boolean isReady();

    /** True once a graceful shutdown has begun: requests in flight finish, new ones are refused. */
    boolean isShuttingDown();

    ModelDescription model();

    /** Why the model can no longer serve at all (its worker failed past its restart budget); empty while it can. */
    default Optional<String> failure() {
        return Optional.empty();
    }
}
