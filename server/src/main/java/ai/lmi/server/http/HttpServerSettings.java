package ai.lmi.server.http;

import ai.lmi.server.config.ServingConfig;
import java.time.Duration;

/**
 * Where the server listens, how large a request body may be, how long a request may take and how long a
 * connection may wait for its client.
 *
 * @param port 0 picks a free port
 * @param maxPayloadBytes larger bodies get 413
 * @param requestTimeout a request not answered after this long gets 504 and its work is stopped; zero: no limit
 * @param maxStreamBufferBytes a stream with more than this waiting for its client to read is stopped
 * @param requestReadTimeout a request whose head and body take longer than this to arrive gets 408; zero: no limit
 * @param keepAliveTimeout a connection waiting this long for its next request is closed; zero: no limit
 */
public record HttpServerSettings(String bindAddress, int port, int maxPayloadBytes, Duration requestTimeout,
        long maxStreamBufferBytes, Duration requestReadTimeout, Duration keepAliveTimeout) {

    public static HttpServerSettings from(ServingConfig config) {
        return new HttpServerSettings(config.bindAddress(), config.port(), config.maxPayloadBytes(),
                config.requestTimeout(), config.maxStreamBufferBytes(), config.requestReadTimeout(),
                config.keepAliveTimeout());
    }
}
