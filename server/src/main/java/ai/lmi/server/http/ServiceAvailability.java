package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.model.ModelService;
import java.util.Optional;

/** The 503 answer for a model that cannot take requests now: still loading, restarting, failed or shutting down. */
final class ServiceAvailability {

    private ServiceAvailability() {}

    /** For {@code /ping}: the model is ready. */
    static void requireReady(ModelService service) {
        require(service, service.isReady());
    }

    /** For a request to the model: it can be submitted now, to be served at once or once its worker is back. */
    static void requireAccepting(ModelService service) {
        require(service, service.acceptsRequests());
    }

    private static void require(ModelService service, boolean available) {
        if (service.isShuttingDown()) {
            throw ApiException.shuttingDown();
        }
        Optional<String> failure = service.failure();
        if (failure.isPresent()) {
            throw ApiException.serviceUnavailable(failure.get(), 0);
        }
        if (!available) {
            throw ApiException.modelNotReady(service.model().name());
        }
    }
}
