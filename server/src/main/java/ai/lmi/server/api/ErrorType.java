package ai.lmi.server.api;

/** The kinds of error the API reports: the HTTP status and the {@code type} of the error body. */
public enum ErrorType {
    BAD_REQUEST(400, "BadRequest"),
    UNAUTHORIZED(401, "Unauthorized"),
    NOT_FOUND(404, "NotFound"),
    METHOD_NOT_ALLOWED(405, "MethodNotAllowed"),
    REQUEST_TIMEOUT(408, "RequestTimeout"),
    CONFLICT(409, "Conflict"),
    PAYLOAD_TOO_LARGE(413, "PayloadTooLarge"),
    EXPECTATION_FAILED(417, "ExpectationFailed"),
    INTERNAL_SERVER_ERROR(500, "InternalServerError"),
    SERVICE_UNAVAILABLE(503, "ServiceUnavailable"),
    GATEWAY_TIMEOUT(504, "GatewayTimeout");

    private final int code;
    private final String typeName;

    ErrorType(int code, String typeName) {
        this.code = code;
        this.typeName = typeName;
    }

    public int code() {
        return code;
    }

    public String typeName() {
        return typeName;
    }
}
