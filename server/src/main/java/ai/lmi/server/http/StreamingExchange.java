package ai.lmi.server.http;

import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.StreamRenderer;
import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A streamed generation response: a 200 head with chunked transfer encoding and one chunk per rendered event,
 * flushed by {@link GenerationExchange} after each batch of engine events. An error after the head went out
 * can only be reported in-band, by the renderer.
 */
final class StreamingExchange extends GenerationExchange {

    private final StreamRenderer renderer;

    StreamingExchange(ChannelHandlerContext ctx, ServerMetrics metrics, Duration timeout, StreamRenderer renderer) {
        super(ctx, metrics, timeout);
        this.renderer = renderer;
    }

    @Override
    protected void started() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, renderer.contentType())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.write(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        send(renderer.start());
    }

    @Override
    protected void token(GeneratedToken token) {
        send(renderer.token(token));
    }

    @Override
    protected void finished(GenerationResult result) {
        send(renderer.finish(result));
        ctx.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        end(HttpResponseStatus.OK.code());
    }

    @Override
    protected void failed(ErrorType type, String message) {
        send(renderer.error(message));
        ctx.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        end(type.code());
    }

    // A failed write means the client is gone: closing the channel cancels the generation.
    private void send(String chunk) {
        if (!chunk.isEmpty()) {
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk.getBytes(StandardCharsets.UTF_8))))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }
}
