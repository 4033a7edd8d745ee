package ai.lmi.server.http;

import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.StreamRenderer;
import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
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
 *
 * <p>Chunks the socket does not take wait in the channel's buffer. A client that stops reading would make that
 * buffer grow by every token the engine still generates, so past {@code maxUnsentBytes} the stream is abandoned.
 */
final class StreamingExchange extends GenerationExchange {

    private final StreamRenderer renderer;
    private final long maxUnsentBytes;
    /** Bytes of chunks written and not yet taken by the socket; their write listeners count them down. */
    private long unsentBytes;
    private int tokens;

    StreamingExchange(ChannelHandlerContext ctx, ServerMetrics metrics, Duration timeout, StreamRenderer renderer,
            long maxUnsentBytes) {
        super(ctx, metrics, timeout);
        this.renderer = renderer;
        this.maxUnsentBytes = maxUnsentBytes;
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
        tokens++;
        send(renderer.token(token));
    }

    @Override
    protected void flushed() {
        if (unsentBytes > maxUnsentBytes) {
            abandon("after " + tokens + " tokens, " + unsentBytes + " bytes of it wait for the client to read, more "
                    + "than max_stream_buffer_bytes=" + maxUnsentBytes + "; its generation is cancelled");
        }
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

    // A failed write means the client is gone: closing the channel cancels the generation. The listener runs on
    // the event loop, as every other use of unsentBytes does.
    private void send(String chunk) {
        if (!chunk.isEmpty()) {
            byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
            unsentBytes += bytes.length;
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes))).addListener((ChannelFuture written) -> {
                unsentBytes -= bytes.length;
                if (!written.isSuccess()) {
                    written.channel().close();
                }
            });
        }
    }
}
