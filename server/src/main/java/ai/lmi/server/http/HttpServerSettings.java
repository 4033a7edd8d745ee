package ai.lmi.server.http;

import ai.lmi.server.config.ServingConfig;
import java.time.Duration;

/**
 * Where the server listens, how large a request body may be and how long a request may take.
 *
 * @param port 0 picks a free port
 * @param maxPayloadBytes larger bodies get 413
 * @param requestTimeout a request not answered after this long gets 504 and its work is stopped; zero: no limit
 */
public record HttpServerSettings(String bindAddress, int port, int maxPayloadBytes, Duration requestTimeout) {

    public static HttpServerSettings from(ServingConfig config) {
        return new HttpServerSettings(
                config.bindAddress(), config.port(), config.maxPayloadBytes(), config.requestTimeout());
    }
}
