package ai.lmi.server.model;

/** The served model as the endpoints of every task see it: {@code /ping}, the model listings, the 503 answer. */
public interface ModelService {

    /** True once the model is loaded and while it can serve, until shutdown begins. */
    boolean isReady();

    /** True once a graceful shutdown has begun: requests in flight finish, new ones are refused. */
    boolean isShuttingDown();

    ModelDescription model();
}
