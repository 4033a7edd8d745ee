package ai.lmi.server.http;

import ai.lmi.server.api.ChatRequestParser;
import ai.lmi.server.api.CompletionRequestParser;
import ai.lmi.server.api.InvocationRequestParser;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.metrics.MetricRegistry;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The server's HTTP surface: every route and the endpoint that answers it. */
final class ServerRoutes {

    private ServerRoutes() {}

    static RouteTable of(GenerationService service, ServerMetrics metrics) {
        GenerationEndpoint invocations = new GenerationEndpoint(service, metrics, new InvocationRequestParser());
        ModelEndpoints models = new ModelEndpoints(service);
        return new RouteTable()
                .add(HttpMethod.GET, "/ping", new PingEndpoint(service))
                .add(HttpMethod.POST, "/invocations", invocations)
                .add(HttpMethod.POST, "/predictions/{model}", invocations)
                .add(HttpMethod.POST, "/v1/completions",
                        new GenerationEndpoint(service, metrics, new CompletionRequestParser()))
                .add(HttpMethod.POST, "/v1/chat/completions",
                        new GenerationEndpoint(service, metrics, new ChatRequestParser()))
                .add(HttpMethod.GET, "/v1/models", models::openAiList)
                .add(HttpMethod.GET, "/v1/models/{id}", models::openAiModel)
                .add(HttpMethod.GET, "/models", models::managementList)
                .add(HttpMethod.GET, "/models/{name}", models::describe)
                .add(HttpMethod.GET, "/metrics", (ctx, request, pathParams) -> HttpResponses.sendText(
                        ctx, HttpResponseStatus.OK, MetricRegistry.CONTENT_TYPE, metrics.render()));
    }
}
