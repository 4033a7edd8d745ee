package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.model.ModelService;

/** The 503 answer for a model that cannot take requests now: still loading, restarting, or shutting down. */
final class ServiceAvailability {

    private ServiceAvailability() {}

    static void require(ModelService service) {
        if (service.isShuttingDown()) {
            throw ApiException.shuttingDown();
        }
        if (!service.isReady()) {
            throw ApiException.modelNotReady(service.model().name());
        }
    }
}
