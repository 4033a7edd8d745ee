package ai.lmi.server.http;

import ai.lmi.server.config.ServingConfig;

/**
 * Where the server listens and how large a request body may be.
 *
 * @param port 0 picks a free port
 * @param maxPayloadBytes larger bodies get 413
 */
public record HttpServerSettings(String bindAddress, int port, int maxPayloadBytes) {

    public static HttpServerSettings from(ServingConfig config) {
        return new HttpServerSettings(config.bindAddress(), config.port(), config.maxPayloadBytes());
    }
}
