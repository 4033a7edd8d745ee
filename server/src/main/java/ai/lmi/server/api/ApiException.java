package ai.lmi.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A request failed in a way the client is told about: a status, an error type and a message naming the cause. */
public final class ApiException extends RuntimeException {

    /** Loading or restarting a worker takes seconds to minutes; clients should not poll harder than this. */
    static final int NOT_READY_RETRY_AFTER_SECONDS = 10;

    private final ErrorType type;
    /** Seconds for the Retry-After header; 0 for none. */
    private final int retryAfterSeconds;

    public ApiException(ErrorType type, String message) {
        this(type, message, 0);
    }

    private ApiException(ErrorType type, String message, int retryAfterSeconds) {
        // No stack trace: these are answers to clients, thrown on every malformed request, not bugs.
        super(message, null, false, false);
        this.type = type;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(ErrorType.BAD_REQUEST, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(ErrorType.NOT_FOUND, message);
    }

    public static ApiException serviceUnavailable(String message, int retryAfterSeconds) {
        return new ApiException(ErrorType.SERVICE_UNAVAILABLE, message, retryAfterSeconds);
    }

    /** 503 while the model loads or its worker restarts. */
    /** A graceful shutdown has begun; a load balancer should send the request elsewhere. */
    public static ApiException shuttingDown() {
        return serviceUnavailable("the server is shutting down", NOT_READY_RETRY_AFTER_SECONDS);
    }

    public static ApiException modelNotReady(String modelName) {
        return serviceUnavailable("model " + modelName + " is not ready (loading, or its worker is restarting)",
                NOT_READY_RETRY_AFTER_SECONDS);
    }

    public ErrorType type() {
        return type;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /**
     * The error body every endpoint returns: {@code {"code", "type", "message"}}, plus the same under
     * {@code "error"} because OpenAI's clients read only that object.
     */
    public ObjectNode toJson() {
        ObjectNode body = Json.object();
        body.put("code", type.code());
        body.put("type", type.typeName());
        body.put("message", getMessage());
        ObjectNode error = body.putObject("error");
        error.put("message", getMessage());
        error.put("type", type.typeName());
        error.put("code", type.code());
        return body;
    }
}
