package ai.lmi.server.http;

import ai.lmi.server.api.Json;
import ai.lmi.server.model.ModelService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/** {@code GET /ping}: 200 {@code {"status": "Healthy"}} when the model can serve, else 503 with Retry-After. */
final class PingEndpoint implements Endpoint {

    private final ModelService service;

    PingEndpoint(ModelService service) {
        this.service = service;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        ServiceAvailability.requireReady(service);
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, Json.object().put("status", "Healthy"));
    }
}
