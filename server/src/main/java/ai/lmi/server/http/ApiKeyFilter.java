package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;

/**
 * With {@code option.api_key} set, answers 401 to every request but {@code GET /ping} that lacks the key, from its
 * head alone: a refused request's body is dropped unread, so it reaches neither the aggregator, the parsers nor the
 * model. One per connection, since it remembers whether it is dropping a refused body.
 */
final class ApiKeyFilter extends ChannelInboundHandlerAdapter {

    private static final String PING = "/ping";

    private final ApiKeyCheck check;
    private boolean droppingBody;

    ApiKeyFilter(ApiKeyCheck check) {
        this.check = check;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            droppingBody = false;
            // A request Netty could not decode goes on to the router, which answers 400 and closes.
            Optional<String> refusal = request.decoderResult().isFailure() || isPing(request)
                    ? Optional.empty() : check.refusal(request.headers());
            if (refusal.isEmpty()) {
                ctx.fireChannelRead(msg);
                return;
            }
            refuse(ctx, request, refusal.get());
            droppingBody = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        if (droppingBody && msg instanceof HttpContent content) {
            droppingBody = !(content instanceof LastHttpContent);
            boolean undecodable = content.decoderResult().isFailure();
            content.release();
            if (undecodable) {
                ctx.close();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean isPing(HttpRequest request) {
        return request.method().equals(HttpMethod.GET)
                && RouteTable.samePath(new QueryStringDecoder(request.uri()).path(), PING);
    }

    private static void refuse(ChannelHandlerContext ctx, HttpRequest request, String message) {
        FullHttpResponse response = HttpResponses.error(new ApiException(ErrorType.UNAUTHORIZED, message));
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        if (HttpUtil.is100ContinueExpected(request)) {
            // The client holds its body back for a 100 Continue that never comes: the bytes it sends next could be
            // that body or a new request, so the connection cannot go on.
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(response);
    }
}
