package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.config.Task;
import ai.lmi.server.model.ModelService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Map;

/**
 * A route of the task the model does not serve: 400 naming both tasks, as vLLM answers "The model does not
 * support Completions API" for an embedding model.
 */
final class UnsupportedTaskEndpoint implements Endpoint {

    private final ModelService service;
    private final String api;
    private final Task served;
    private final Task needed;

    /** @param api the API's name as OpenAI's reference calls it, e.g. {@code Completions} */
    UnsupportedTaskEndpoint(ModelService service, String api, Task served, Task needed) {
        this.service = service;
        this.api = api;
        this.served = served;
        this.needed = needed;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        throw ApiException.badRequest("model " + service.model().name() + " does not support the " + api
                + " API: it serves option.task=" + served.configName() + ", and "
                + new QueryStringDecoder(request.uri()).path() + " needs option.task=" + needed.configName());
    }
}
