package ai.lmi.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.api.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Arrays;

/** What every error response must be: JSON with the status as its code, the status's type, and a message. */
final class ErrorResponses {

    private ErrorResponses() {}

    /** Asserts the status, the error format, and that the message contains {@code message}. */
    static void assertError(HttpResponse<String> response, int status, String message) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
        JsonNode error = TestServer.json(response.body());
        assertEquals(status, error.path("code").asInt(), response.body());
        String type = Arrays.stream(ErrorType.values()).filter(t -> t.code() == status).findFirst()
                .map(ErrorType::typeName).orElseThrow(() -> new AssertionError("no error type has status " + status));
        assertEquals(type, error.path("type").asText(), response.body());
        assertTrue(error.path("message").asText().contains(message),
                "expected a message containing <" + message + ">, got <" + error.path("message").asText() + ">");
    }
}
