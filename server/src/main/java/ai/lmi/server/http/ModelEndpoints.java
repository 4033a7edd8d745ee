package ai.lmi.server.http;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.api.AdapterJson;
import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ModelJson;
import ai.lmi.server.model.ModelDescription;
import ai.lmi.server.model.ModelService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The read-only model endpoints: {@code GET /v1/models[/{id}]} (the base model, then its LoRA adapters, as vLLM
 * lists them), {@code GET /models}, {@code GET /models/{name}}.
 */
final class ModelEndpoints {

    private final ModelService service;
    private final AdapterService adapters;

    ModelEndpoints(ModelService service, AdapterService adapters) {
        this.service = service;
        this.adapters = adapters;
    }

    void openAiList(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.openAiList(service.model(), adapters.list()));
    }

    void openAiModel(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        String id = pathParams.get("id");
        ModelDescription model = service.model();
        if (model.name().equals(id)) {
            HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.openAiModel(model));
            return;
        }
        Optional<Adapter> adapter = adapters.find(id);
        if (adapter.isEmpty()) {
            List<Adapter> loaded = adapters.list();
            throw ApiException.notFound(notServed(id, model) + (loaded.isEmpty() ? "" : " and its adapters "
                    + loaded.stream().map(Adapter::name).collect(Collectors.joining(", "))));
        }
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, AdapterJson.openAiModel(adapter.get(), model));
    }

    void managementList(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.managementList(service.model()));
    }

    void describe(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        ModelDescription model = served(service, pathParams.get("name"));
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, ModelJson.describe(model, service.isReady()));
    }

    /** The served model, when {@code name} names it; else 404. */
    static ModelDescription served(ModelService service, String name) {
        ModelDescription model = service.model();
        if (!model.name().equals(name)) {
            throw ApiException.notFound(notServed(name, model));
        }
        return model;
    }

    private static String notServed(String name, ModelDescription model) {
        return "model " + name + " is not served here; this server serves " + model.name();
    }
}
