package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.FieldReader;
import ai.lmi.server.api.GenerationParser;
import ai.lmi.server.api.PreparedGeneration;
import ai.lmi.server.api.ServedModel;
import ai.lmi.server.generation.GenerationHandle;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.Map;

/**
 * A generation route: parses the body with its schema's parser, submits the generation and answers through a
 * streaming or whole-response exchange. Every request it answers is counted in {@code lmi_requests_total}.
 * A {@code {model}} path segment, when the route has one, must name the served model. A generation still
 * running after {@code timeout} (unless zero) is stopped and answered with 504.
 */
final class GenerationEndpoint implements Endpoint {

    private final GenerationService service;
    private final ServerMetrics metrics;
    private final GenerationParser parser;
    private final Duration timeout;

    GenerationEndpoint(GenerationService service, ServerMetrics metrics, GenerationParser parser, Duration timeout) {
        this.service = service;
        this.metrics = metrics;
        this.parser = parser;
        this.timeout = timeout;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        try {
            PreparedGeneration prepared = prepare(request, pathParams.get("model"));
            GenerationExchange exchange = prepared.streaming()
                    ? new StreamingExchange(ctx, metrics, timeout, prepared.streamRenderer())
                    : new WholeResponseExchange(ctx, metrics, timeout, prepared.responseRenderer());
            exchange.begin(submit(prepared, exchange));
        } catch (ApiException e) {
            metrics.countRequest(e.type().code());
            throw e;
        } catch (RuntimeException e) {
            metrics.countRequest(ErrorType.INTERNAL_SERVER_ERROR.code());
            throw e;
        }
    }

    private PreparedGeneration prepare(FullHttpRequest request, String modelInPath) {
        String served = service.model().name();
        if (modelInPath != null && !modelInPath.equals(served)) {
            throw ApiException.notFound("model " + modelInPath + " is not served here; this server serves " + served);
        }
        // The tokenizer and the model's limits are only known once the model has loaded.
        ServiceAvailability.require(service);
        FieldReader body = FieldReader.parseBody(new ByteBufInputStream(request.content()));
        return parser.parse(body, ServedModel.of(service));
    }

    private GenerationHandle submit(PreparedGeneration prepared, GenerationExchange exchange) {
        try {
            return service.submit(prepared.request(), exchange);
        } catch (ServiceUnavailableException e) {
            throw ApiException.serviceUnavailable(e.getMessage(), e.retryAfterSeconds());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
