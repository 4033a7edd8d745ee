package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that waits too long for its client, so that a client trickling bytes (slowloris) or holding
 * connections open cannot keep them forever. Once the first bytes of a request arrived, its head and body must
 * arrive within {@code requestReadTimeout}, or it is answered 408 and the connection closed. A connection with no
 * request in progress (just opened, or its last response written) is closed silently after {@code keepAliveTimeout}.
 * A request being answered has no limit here: {@code request_timeout_s} bounds that. Zero disables either.
 *
 * <p>It sits right after the HTTP codec: the codec's read-complete events show bytes arriving even while they do
 * not make a whole head yet, and the responses it sees are still HTTP messages.
 */
final class ConnectionTimeouts extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionTimeouts.class);

    private final Duration requestReadTimeout;
    private final Duration keepAliveTimeout;
    /** From the first bytes of a request until its last. */
    private boolean reading;
    /** Requests received and not yet answered: more than one only when a client pipelines them. */
    private int unanswered;
    /** Whether the codec passed on a message since the last read-complete event. */
    private boolean decodedSinceReadComplete;
    private boolean started;
    private ScheduledFuture<?> timer;

    ConnectionTimeouts(Duration requestReadTimeout, Duration keepAliveTimeout) {
        this.requestReadTimeout = requestReadTimeout;
        this.keepAliveTimeout = keepAliveTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        decodedSinceReadComplete = true;
        if (!reading && msg instanceof HttpRequest) {
            startReading(ctx);
        }
        if (msg instanceof LastHttpContent) {
            reading = false;
            unanswered++;
            cancelTimer();
        }
        ctx.fireChannelRead(msg);
    }

    // Bytes arrived that made no message: the start of a request's head, which the codec holds until it is whole.
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!reading && !decodedSinceReadComplete) {
            startReading(ctx);
        }
        decodedSinceReadComplete = false;
        ctx.fireChannelReadComplete();
    }

    // 100 Continue, and a 413 for a body too large, are written while the request is still being read.
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean informational = msg instanceof HttpResponse response
                && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (unanswered > 0 && msg instanceof LastHttpContent && !informational) {
            unanswered--;
            if (unanswered == 0 && !reading) {
                schedule(ctx, keepAliveTimeout, ctx::close);
            }
        }
        ctx.write(msg, promise);
    }

    private void start(ChannelHandlerContext ctx) {
        if (!started) {
            started = true;
            schedule(ctx, keepAliveTimeout, ctx::close);
        }
    }

    // While pipelined requests wait (see PipelinedRequests) the connection does not read: the rest of this one is
    // late by the server's doing, not the client's.
    private void startReading(ChannelHandlerContext ctx) {
        reading = true;
        if (ctx.channel().config().isAutoRead()) {
            schedule(ctx, requestReadTimeout, () -> requestTimedOut(ctx));
        } else {
            cancelTimer();
        }
    }

    private void requestTimedOut(ChannelHandlerContext ctx) {
        LOG.info("closing the connection from {}: its request did not arrive within request_read_timeout_s={} s",
                ctx.channel().remoteAddress(), requestReadTimeout.toSeconds());
        FullHttpResponse response = HttpResponses.error(new ApiException(ErrorType.REQUEST_TIMEOUT,
                "the request's head and body did not arrive within request_read_timeout_s="
                        + requestReadTimeout.toSeconds() + " s"));
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void schedule(ChannelHandlerContext ctx, Duration delay, Runnable action) {
        cancelTimer();
        if (!delay.isZero()) {
            timer = ctx.executor().schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
