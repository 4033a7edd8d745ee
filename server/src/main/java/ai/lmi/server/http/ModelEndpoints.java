package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ModelJson;
import ai.lmi.server.model.ModelDescription;
import ai.lmi.server.model.ModelService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/** The read-only model endpoints: {@code GET /v1/models[/{id}]}, {@code GET /models}, {@code GET /models/{name}}. */
final class ModelEndpoints {

    private final ModelService service;

    ModelEndpoints(ModelService service) {
        this.service = service;
    }

    void openAiList(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.openAiList(service.model()));
    }

    void openAiModel(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.openAiModel(served(pathParams.get("id"))));
    }

    void managementList(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.managementList(service.model()));
    }

    void describe(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        ModelDescription model = served(pathParams.get("name"));
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.describe(model, service.isReady()));
    }

    private ModelDescription served(String name) {
        ModelDescription model = service.model();
        if (!model.name().equals(name)) {
            throw ApiException.notFound("model " + name + " is not served here; this server serves " + model.name());
        }
        return model;
    }
}
