package ai.lmi.bench;

/**
 * Why a request failed.
 *
 * @param kind {@code http_<status>}, {@code stream_error} (an in-band error), {@code timeout}, {@code connection},
 *     {@code truncated_stream}, {@code no_tokens} or {@code no_embedding} (a 200 response without one)
 */
public record RequestError(String kind, String message) {

    static final String STREAM_ERROR = "stream_error";
    static final String TIMEOUT = "timeout";
    static final String CONNECTION = "connection";
    static final String TRUNCATED_STREAM = "truncated_stream";
    static final String NO_TOKENS = "no_tokens";
    static final String NO_EMBEDDING = "no_embedding";

    static RequestError http(int status, String message) {
        return new RequestError("http_" + status, message);
    }
}
