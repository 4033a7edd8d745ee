package ai.lmi.server.config;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a listener binds, configured as {@code http://HOST:PORT} (DJL Serving's spelling of its addresses).
 *
 * @param host an IP address or host name; an IPv6 address keeps its brackets
 * @param port 0 picks a free port
 */
public record ListenAddress(String host, int port) {

    static final String ALLOWED = "must be http://HOST:PORT with a port from 0 (any free port) to 65535, "
            + "e.g. http://127.0.0.1:8081";

    /** Parses {@code http://HOST:PORT}, a trailing slash allowed; throws IllegalArgumentException saying what is. */
    static ListenAddress parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(ALLOWED, e);
        }
        boolean bare = uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null
                && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"));
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0 || uri.getPort() > 65535
                || !bare) {
            throw new IllegalArgumentException(ALLOWED);
        }
        return new ListenAddress(uri.getHost(), uri.getPort());
    }

    @Override
    public String toString() {
        return "http://" + host + ":" + port;
    }
}
