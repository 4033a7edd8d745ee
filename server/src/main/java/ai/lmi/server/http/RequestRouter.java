package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dispatches each request to the endpoint of its route: 404 for an unknown path, 405 for a wrong method. */
@ChannelHandler.Sharable
final class RequestRouter extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(RequestRouter.class);

    private final RouteTable routes;

    RequestRouter(RouteTable routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            // The rest of the connection's bytes cannot be trusted to frame further requests.
            FullHttpResponse response = HttpResponses.error(ApiException.badRequest(
                    "malformed HTTP request: " + request.decoderResult().cause().getMessage()));
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String path;
        try {
            path = new QueryStringDecoder(request.uri()).path();
        } catch (IllegalArgumentException e) {
            HttpResponses.sendError(ctx, ApiException.badRequest(
                    "the request path " + request.uri() + " is not valid percent-encoding: " + e.getMessage()));
            return;
        }
        RouteTable.Match match = routes.match(request.method(), path);
        if (match.endpoint() == null) {
            answerUnrouted(ctx, request, path, match);
            return;
        }
        try {
            match.endpoint().handle(ctx, request, match.pathParams());
        } catch (ApiException e) {
            HttpResponses.sendError(ctx, e);
        } catch (Exception e) {
            LOG.error("{} {} failed", request.method(), path, e);
            HttpResponses.sendError(ctx, HttpResponses.internalError(e));
        }
    }

    private static void answerUnrouted(
            ChannelHandlerContext ctx, FullHttpRequest request, String path, RouteTable.Match match) {
        if (match.allowedMethods().isEmpty()) {
            HttpResponses.sendError(ctx, ApiException.notFound("no route for " + request.method() + " " + path));
            return;
        }
        String allowed = String.join(", ", match.allowedMethods());
        FullHttpResponse response = HttpResponses.error(new ApiException(ErrorType.METHOD_NOT_ALLOWED,
                "method " + request.method() + " is not allowed on " + path + "; allowed: " + allowed));
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client that hangs up, mid-body included (the aggregator's premature closure), is no fault of the server.
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            LOG.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("connection from {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
