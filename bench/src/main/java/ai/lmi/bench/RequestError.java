package ai.lmi.bench;

/**
 * Why a request failed.
 *
 * @param kind {@code http_<status>}, {@code stream_error} (an in-band error), {@code timeout}, {@code connection},
 *     {@code truncated_stream} or {@code no_tokens}
 */
public record RequestError(String kind, String message) {

    static final String STREAM_ERROR = "stream_error";
    static final String TIMEOUT = "timeout";
    static final String CONNECTION = "connection";
    static final String TRUNCATED_STREAM = "truncated_stream";
    static final String NO_TOKENS = "no_tokens";

    static RequestError http(int status, String message) {
        return new RequestError("http_" + status, message);
    }
}
