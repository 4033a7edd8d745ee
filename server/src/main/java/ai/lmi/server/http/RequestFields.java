package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.FieldReader;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The text fields of a management request, given as query parameters ({@code ?name=a1&src=/adapters/a1}, as LMI's
 * examples send them) or in a JSON object body; a query parameter wins over the body's field of the same name.
 */
final class RequestFields {

    private final Map<String, List<String>> query;
    /** Empty when the request has no body. */
    private final Optional<FieldReader> body;

    private RequestFields(Map<String, List<String>> query, Optional<FieldReader> body) {
        this.query = query;
        this.body = body;
    }

    /** Reads the request now: its buffer is released once the endpoint returns. */
    static RequestFields of(FullHttpRequest request) {
        Optional<FieldReader> body = request.content().isReadable()
                ? Optional.of(FieldReader.parseBody(new ByteBufInputStream(request.content().duplicate())))
                : Optional.empty();
        return new RequestFields(new QueryStringDecoder(request.uri()).parameters(), body);
    }

    /** The field's text; 400 naming it when it is missing, blank, given twice or not a string. */
    String required(String field) {
        String text = query.containsKey(field) ? queryParameter(field) : bodyField(field);
        if (text == null) {
            throw ApiException.badRequest(field + " is missing; give it as a query parameter or a JSON body field");
        }
        if (text.isBlank()) {
            throw ApiException.badRequest(field + " must not be blank");
        }
        return text;
    }

    private String queryParameter(String field) {
        List<String> values = query.get(field);
        if (values.size() > 1) {
            throw ApiException.badRequest("query parameter " + field + " is given " + values.size() + " times");
        }
        return values.get(0);
    }

    private String bodyField(String field) {
        if (body.isEmpty()) {
            return null;
        }
        JsonNode value = body.get().get(field);
        if (value != null && !value.isTextual()) {
            throw body.get().mustBe(field, "a string", value);
        }
        return value == null ? null : value.textValue();
    }
}
