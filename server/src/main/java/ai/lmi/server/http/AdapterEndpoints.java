package ai.lmi.server.http;

import ai.lmi.server.adapter.Adapter;
import ai.lmi.server.adapter.AdapterConflictException;
import ai.lmi.server.adapter.AdapterException;
import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.adapter.AdapterUnavailableException;
import ai.lmi.server.adapter.UnknownAdapterException;
import ai.lmi.server.api.AdapterJson;
import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import ai.lmi.server.model.ModelService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LoRA adapter routes of the management listener: LMI's {@code /models/{name}/adapters} and vLLM's
 * {@code /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}. A load blocks until the worker holds the
 * weights, so every change runs on {@code changes}, off the event loop, and is answered from there.
 */
final class AdapterEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(AdapterEndpoints.class);
    private static final String ADAPTERS = "/models/{name}/adapters";
    private static final String ADAPTER = ADAPTERS + "/{adapter}";
    private static final String TEXT = "text/plain; charset=utf-8";

    /** Every adapter route: what each listener answers on it differs, the paths do not. */
    enum Route {
        LIST(HttpMethod.GET, ADAPTERS),
        REGISTER(HttpMethod.POST, ADAPTERS),
        DESCRIBE(HttpMethod.GET, ADAPTER),
        UPDATE(HttpMethod.PUT, ADAPTER),
        UNREGISTER(HttpMethod.DELETE, ADAPTER),
        LOAD_LORA_ADAPTER(HttpMethod.POST, "/v1/load_lora_adapter"),
        UNLOAD_LORA_ADAPTER(HttpMethod.POST, "/v1/unload_lora_adapter");

        final HttpMethod method;
        final String pattern;

        Route(HttpMethod method, String pattern) {
            this.method = method;
            this.pattern = pattern;
        }
    }

    private final ModelService model;
    private final AdapterService adapters;
    private final Executor changes;

    /** @param changes runs loads, updates and unloads, which block; in order, for a client that sends several */
    AdapterEndpoints(ModelService model, AdapterService adapters, Executor changes) {
        this.model = model;
        this.adapters = adapters;
        this.changes = changes;
    }

    /** One thread, started by the first change and ended after a minute without one: changes run one at a time. */
    static Executor oneChangeAtATime() {
        return new ThreadPoolExecutor(0, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "adapter-changes");
            thread.setDaemon(true);
            return thread;
        });
    }

    Endpoint endpoint(Route route) {
        return switch (route) {
            case LIST -> this::list;
            case REGISTER -> this::register;
            case DESCRIBE -> this::describe;
            case UPDATE -> this::update;
            case UNREGISTER -> this::unregister;
            case LOAD_LORA_ADAPTER -> this::loadLoraAdapter;
            case UNLOAD_LORA_ADAPTER -> this::unloadLoraAdapter;
        };
    }

    private void list(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        requireServedWithLora(pathParams);
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, AdapterJson.managementList(adapters.list()));
    }

    private void register(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        requireServedWithLora(pathParams);
        RequestFields fields = RequestFields.of(request);
        String name = newName("name", fields.required("name"));
        Path src = directory("src", fields.required("src"));
        change(ctx, () -> adapters.load(name, src), lmiStatus(name, "registered"));
    }

    private void describe(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        requireServedWithLora(pathParams);
        String name = pathParams.get("adapter");
        Adapter adapter = adapters.find(name).orElseThrow(() -> toApi(
                new UnknownAdapterException(name, adapters.list().stream().map(Adapter::name).toList())));
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, AdapterJson.describe(adapter));
    }

    private void update(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        requireServedWithLora(pathParams);
        String name = pathParams.get("adapter");
        Path src = directory("src", RequestFields.of(request).required("src"));
        change(ctx, () -> adapters.update(name, src), lmiStatus(name, "updated"));
    }

    private void unregister(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        requireServedWithLora(pathParams);
        String name = pathParams.get("adapter");
        change(ctx, () -> adapters.unload(name), lmiStatus(name, "unregistered"));
    }

    /** vLLM's {@code {"lora_name", "lora_path"}}. */
    private void loadLoraAdapter(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        requireLora();
        RequestFields fields = RequestFields.of(request);
        String name = newName("lora_name", fields.required("lora_name"));
        Path path = directory("lora_path", fields.required("lora_path"));
        change(ctx, () -> adapters.load(name, path), vllmSuccess(name, "added"));
    }

    private void unloadLoraAdapter(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        requireLora();
        String name = RequestFields.of(request).required("lora_name");
        change(ctx, () -> adapters.unload(name), vllmSuccess(name, "removed"));
    }

    private void requireServedWithLora(Map<String, String> pathParams) {
        ModelEndpoints.served(model, pathParams.get("name"));
        requireLora();
    }

    private void requireLora() {
        if (!adapters.enabled()) {
            throw toApi(AdapterException.loraOff());
        }
    }

    /** A name requests can use: one path segment, and not the base model's, which requests name already. */
    private String newName(String field, String name) {
        if (name.contains("/")) {
            throw ApiException.badRequest(field + " must not contain '/', got " + name);
        }
        if (name.equals(model.model().name())) {
            throw new ApiException(ErrorType.CONFLICT, field + " " + name + " is the base model's name");
        }
        return name;
    }

    /** A local directory, since nothing is downloaded; absolute, since the daemon's working directory is no one's. */
    private static Path directory(String field, String text) {
        Path path;
        try {
            path = Path.of(text);
        } catch (InvalidPathException e) {
            throw ApiException.badRequest(field + " is not a file system path: " + text);
        }
        if (!path.isAbsolute()) {
            throw ApiException.badRequest(field + " must be the absolute path of a local adapter directory (nothing "
                    + "is downloaded), got " + text);
        }
        return path.normalize();
    }

    /** Runs {@code change} on the change executor, then answers {@code done}, or the error it threw. */
    private void change(ChannelHandlerContext ctx, Runnable change, Supplier<FullHttpResponse> done) {
        changes.execute(() -> ctx.writeAndFlush(answer(change, done)));
    }

    private static FullHttpResponse answer(Runnable change, Supplier<FullHttpResponse> done) {
        try {
            change.run();
            return done.get();
        } catch (AdapterException e) {
            return HttpResponses.error(toApi(e));
        } catch (RuntimeException e) {
            LOG.error("an adapter change failed", e);
            return HttpResponses.error(HttpResponses.internalError(e));
        }
    }

    /** LMI's answer, e.g. {@code {"status": "Adapter a1 registered"}}. */
    private static Supplier<FullHttpResponse> lmiStatus(String name, String change) {
        return () -> HttpResponses.json(HttpResponseStatus.OK, AdapterJson.status(name, change));
    }

    /** vLLM's answer: 200 with a line of text. */
    private static Supplier<FullHttpResponse> vllmSuccess(String name, String change) {
        return () -> HttpResponses.full(HttpResponseStatus.OK, TEXT,
                "Success: LoRA adapter '" + name + "' " + change + " successfully.");
    }

    private static ApiException toApi(AdapterException e) {
        ErrorType type = ErrorType.BAD_REQUEST;
        if (e instanceof UnknownAdapterException) {
            type = ErrorType.NOT_FOUND;
        } else if (e instanceof AdapterConflictException) {
            type = ErrorType.CONFLICT;
        } else if (e instanceof AdapterUnavailableException) {
            // No Retry-After: a worker that failed for good does not come back; one that timed out may.
            return ApiException.serviceUnavailable(e.getMessage(), 0);
        }
        return new ApiException(type, e.getMessage());
    }
}
