package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.FieldReader;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.model.ModelService;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.Map;

/**
 * A route that hands requests to the served model. A {@code {model}} path segment, when the route has one, must
 * name the served model, and the model must be ready, before the body goes to {@link #submit}. A request refused
 * here or by {@code submit} is counted in {@code lmi_requests_total}; the subclass counts those it answers later.
 */
abstract class ModelEndpoint<S extends ModelService> implements Endpoint {

    protected final S service;
    protected final ServerMetrics metrics;
    /** A request not answered after this long gets 504; zero: no limit. */
    protected final Duration timeout;

    ModelEndpoint(S service, ServerMetrics metrics, Duration timeout) {
        this.service = service;
        this.metrics = metrics;
        this.timeout = timeout;
    }

    @Override
    public final void handle(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        try {
            String served = service.model().name();
            String modelInPath = pathParams.get("model");
            if (modelInPath != null && !modelInPath.equals(served)) {
                throw ApiException.notFound(
                        "model " + modelInPath + " is not served here; this server serves " + served);
            }
            // What the parsers check against (tokenizer, limits, embedding size) is only known once the model loaded.
            ServiceAvailability.requireAccepting(service);
            submit(ctx, request, FieldReader.parseBody(new ByteBufInputStream(request.content())));
        } catch (ApiException e) {
            metrics.countRequest(e.type().code());
            throw e;
        } catch (RuntimeException e) {
            metrics.countRequest(ErrorType.INTERNAL_SERVER_ERROR.code());
            throw e;
        }
    }

    /** Parses the body (and what the headers add) and submits the request, answered on the connection's loop. */
    protected abstract void submit(ChannelHandlerContext ctx, FullHttpRequest request, FieldReader body);
}
