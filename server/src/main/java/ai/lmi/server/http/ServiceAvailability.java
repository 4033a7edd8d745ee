package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.model.ModelService;
import java.util.Optional;

/** The 503 answer for a model that cannot take requests now: still loading, restarting, failed or shutting down. */
final class ServiceAvailability {

    private ServiceAvailability() {}

    static void require(ModelService service) {
        if (service.isShuttingDown()) {
            throw ApiException.shuttingDown();
        }
        Optional<String> failure = service.failure();
        if (failure.isPresent()) {
            throw ApiException.serviceUnavailable(failure.get(), 0);
        }
        if (!service.isReady()) {
            throw ApiException.modelNotReady(service.model().name());
        }
    }
}
