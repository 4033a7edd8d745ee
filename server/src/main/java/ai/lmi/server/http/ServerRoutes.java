package ai.lmi.server.http;

import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ChatRequestParser;
import ai.lmi.server.api.CompletionRequestParser;
import ai.lmi.server.api.InvocationRequestParser;
import ai.lmi.server.api.LmiEmbeddingRequestParser;
import ai.lmi.server.api.OpenAiEmbeddingRequestParser;
import ai.lmi.server.config.Task;
import ai.lmi.server.embedding.EmbeddingService;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.metrics.MetricRegistry;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.structured.GrammarCompiler;
import ai.lmi.server.model.ModelService;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The server's HTTP surface, per {@code option.task}: every route and the endpoint that answers it. Both tasks
 * answer {@code /ping}, the OpenAI model listing and {@code /metrics}; a route of the other task answers 400. The
 * management routes, LoRA adapters' included, have a listener of their own, on {@code management_address}.
 */
final class ServerRoutes {

    private static final String MODELS = "/models";
    private static final String MODEL = "/models/{name}";

    private ServerRoutes() {}

    /** @param maxStreamBufferBytes a stream with more than this waiting for its client to read is stopped */
    static RouteTable generation(GenerationService service, ServerMetrics metrics, Duration requestTimeout,
            long maxStreamBufferBytes) {
        // One compiler for all routes: a grammar compiled for one API is cached for the others.
        GrammarCompiler grammars = new GrammarCompiler(service.tokenizer());
        GenerationEndpoint invocations = new GenerationEndpoint(
                service, metrics, new InvocationRequestParser(), requestTimeout, maxStreamBufferBytes, grammars);
        return common(service, service.adapters(), metrics)
                .add(HttpMethod.POST, "/invocations", invocations)
                .add(HttpMethod.POST, "/predictions/{model}", invocations)
                .add(HttpMethod.POST, "/v1/completions",
                        new GenerationEndpoint(service, metrics, new CompletionRequestParser(), requestTimeout,
                                maxStreamBufferBytes, grammars))
                .add(HttpMethod.POST, "/v1/chat/completions",
                        new GenerationEndpoint(service, metrics, new ChatRequestParser(), requestTimeout,
                                maxStreamBufferBytes, grammars))
                .add(HttpMethod.POST, "/v1/embeddings",
                        new UnsupportedTaskEndpoint(service, "Embeddings", Task.TEXT_GENERATION, Task.TEXT_EMBEDDING));
    }

    static RouteTable embedding(EmbeddingService service, ServerMetrics metrics, Duration requestTimeout) {
        EmbeddingEndpoint invocations =
                new EmbeddingEndpoint(service, metrics, new LmiEmbeddingRequestParser(), requestTimeout);
        return common(service, AdapterService.DISABLED, metrics)
                .add(HttpMethod.POST, "/invocations", invocations)
                .add(HttpMethod.POST, "/predictions/{model}", invocations)
                .add(HttpMethod.POST, "/v1/embeddings",
                        new EmbeddingEndpoint(service, metrics, new OpenAiEmbeddingRequestParser(), requestTimeout))
                .add(HttpMethod.POST, "/v1/completions",
                        new UnsupportedTaskEndpoint(service, "Completions", Task.TEXT_EMBEDDING, Task.TEXT_GENERATION))
                .add(HttpMethod.POST, "/v1/chat/completions", new UnsupportedTaskEndpoint(
                        service, "Chat Completions", Task.TEXT_EMBEDDING, Task.TEXT_GENERATION));
    }

    /** A generative model's management listener: the model, with its name its configuration, and its adapters. */
    static RouteTable management(GenerationService service) {
        return management(service, AdapterEndpoints.oneChangeAtATime());
    }

    /** @param adapterChanges runs the adapter loads, updates and unloads, which block until the worker is done */
    static RouteTable management(GenerationService service, Executor adapterChanges) {
        AdapterEndpoints adapters = new AdapterEndpoints(service, service.adapters(), adapterChanges);
        return withAdapterRoutes(models(service, service.adapters()), adapters::endpoint);
    }

    /** An embedding model's management listener: its adapter routes answer 400 naming the task. */
    static RouteTable management(EmbeddingService service) {
        Endpoint noAdapters =
                new UnsupportedTaskEndpoint(service, "LoRA adapters", Task.TEXT_EMBEDDING, Task.TEXT_GENERATION);
        return withAdapterRoutes(models(service, AdapterService.DISABLED), route -> noAdapters);
    }

    private static RouteTable models(ModelService service, AdapterService adapters) {
        ModelEndpoints models = new ModelEndpoints(service, adapters);
        return new RouteTable()
                .add(HttpMethod.GET, MODELS, models::managementList)
                .add(HttpMethod.GET, MODEL, models::describe);
    }

    private static RouteTable withAdapterRoutes(
            RouteTable routes, Function<AdapterEndpoints.Route, Endpoint> endpoints) {
        for (AdapterEndpoints.Route route : AdapterEndpoints.Route.values()) {
            routes.add(route.method, route.pattern, endpoints.apply(route));
        }
        return routes;
    }

    private static RouteTable common(ModelService service, AdapterService adapters, ServerMetrics metrics) {
        ModelEndpoints models = new ModelEndpoints(service, adapters);
        // 404 naming where they went, rather than the 404 of a path that never existed.
        Endpoint onManagementListener = (ctx, request, pathParams) -> {
            throw ApiException.notFound(request.method() + " " + new QueryStringDecoder(request.uri()).path()
                    + " is served on the management listener (management_address), not on this port");
        };
        RouteTable routes = new RouteTable()
                .add(HttpMethod.GET, "/ping", new PingEndpoint(service))
                .add(HttpMethod.GET, "/v1/models", models::openAiList)
                .add(HttpMethod.GET, "/v1/models/{id}", models::openAiModel)
                .add(HttpMethod.GET, MODELS, onManagementListener)
                .add(HttpMethod.GET, MODEL, onManagementListener)
                .add(HttpMethod.GET, "/metrics", (ctx, request, pathParams) -> HttpResponses.sendText(
                        ctx, HttpResponseStatus.OK, MetricRegistry.CONTENT_TYPE, metrics.render()));
        return withAdapterRoutes(routes, route -> onManagementListener);
    }
}
