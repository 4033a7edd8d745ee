package ai.lmi.server.http;

import ai.lmi.server.config.ListenAddress;
import ai.lmi.server.config.Secret;
import ai.lmi.server.config.ServingConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * Where one listener binds, how large a request body may be, how long a request may take, how long a connection
 * may wait for its client, and the key it asks for.
 *
 * @param port 0 picks a free port
 * @param configuredBy the keys that set the address, as a bind error names them
 * @param maxPayloadBytes larger bodies get 413
 * @param requestTimeout a request not answered after this long gets 504 and its work is stopped; zero: no limit
 * @param maxStreamBufferBytes a stream with more than this waiting for its client to read is stopped
 * @param requestReadTimeout a request whose head and body take longer than this to arrive gets 408; zero: no limit
 * @param keepAliveTimeout a connection waiting this long for its next request is closed; zero: no limit
 * @param apiKey when present, every request but {@code GET /ping} must carry it
 */
public record HttpServerSettings(String bindAddress, int port, String configuredBy, int maxPayloadBytes,
        Duration requestTimeout, long maxStreamBufferBytes, Duration requestReadTimeout, Duration keepAliveTimeout,
        Optional<Secret> apiKey) {

    /** The inference listener: {@code bind_address} and {@code port}. */
    public static HttpServerSettings from(ServingConfig config) {
        return new HttpServerSettings(config.bindAddress(), config.port(),
                "bind_address " + config.bindAddress() + " port " + config.port(), config.maxPayloadBytes(),
                config.requestTimeout(), config.maxStreamBufferBytes(), config.requestReadTimeout(),
                config.keepAliveTimeout(), config.apiKey());
    }

    /** The management listener: {@code management_address}. */
    public static HttpServerSettings management(ServingConfig config) {
        ListenAddress address = config.managementAddress();
        return new HttpServerSettings(address.host(), address.port(), "management_address " + address,
                config.maxPayloadBytes(), config.requestTimeout(), config.maxStreamBufferBytes(),
                config.requestReadTimeout(), config.keepAliveTimeout(), config.apiKey());
    }
}
