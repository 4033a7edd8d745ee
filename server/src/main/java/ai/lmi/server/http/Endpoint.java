package ai.lmi.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.Map;

/**
 * Answers one route. It writes its response to {@code ctx} now or later, or throws an
 * {@link ai.lmi.server.api.ApiException} for the router to answer. It must not block: it runs on an event loop.
 */
@FunctionalInterface
interface Endpoint {

    /** @param pathParams the values of the route's {@code {name}} segments */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) throws Exception;
}
