package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Aggregates each request into one {@link io.netty.handler.codec.http.FullHttpRequest} of at most
 * {@code maxPayloadBytes}; a larger one gets 413 with the JSON error body (Netty's own 413 has none) and the
 * connection is closed, since the rest of the oversized body would otherwise be read as the next request.
 */
final class PayloadLimitAggregator extends HttpObjectAggregator {

    private final int maxPayloadBytes;

    PayloadLimitAggregator(int maxPayloadBytes) {
        super(maxPayloadBytes, true);
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // MessageAggregator releases the oversized message itself after this returns.
        ctx.writeAndFlush(tooLarge()).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * A client that sent {@code Expect: 100-continue} with a too-large Content-Length gets the JSON 413 too, and one
     * that sent an expectation other than {@code 100-continue} a JSON 417 (Netty's own have no body).
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse netty) {
            int status = netty.status().code();
            if (status == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
                ReferenceCountUtil.release(response);
                return tooLarge();
            }
            if (status == HttpResponseStatus.EXPECTATION_FAILED.code()) {
                ReferenceCountUtil.release(response);
                return expectationFailed();
            }
        }
        return response;
    }

    private static FullHttpResponse expectationFailed() {
        FullHttpResponse response = HttpResponses.error(new ApiException(ErrorType.EXPECTATION_FAILED,
                "the request's Expect header is not supported; the only expectation served is 100-continue"));
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    private FullHttpResponse tooLarge() {
        FullHttpResponse response = HttpResponses.error(new ApiException(ErrorType.PAYLOAD_TOO_LARGE,
                "request body exceeds the limit of " + maxPayloadBytes + " bytes (max_payload_bytes)"));
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }
}
