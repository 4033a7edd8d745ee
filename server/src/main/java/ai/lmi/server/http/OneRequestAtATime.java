package ai.lmi.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * Hands the router one request of a connection at a time. HTTP/1.1 lets a client send requests before the answers
 * to earlier ones arrived (pipelining); each such request waits until the answer before it is complete, so that
 * answers go out whole and in order, and the connection is not read further while one waits.
 */
final class OneRequestAtATime extends ChannelDuplexHandler {

    private final Queue<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean answering;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (answering) {
            waiting.add(request);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        answering = true;
        ctx.fireChannelRead(request);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // A FullHttpResponse is a LastHttpContent too: either ends the answer.
        boolean answered = msg instanceof LastHttpContent;
        ctx.write(msg, promise);
        if (!answered) {
            return;
        }
        if (waiting.isEmpty()) {
            answering = false;
            ctx.channel().config().setAutoRead(true);
        } else {
            // Later, not from inside this write: the next endpoint may answer at once, and write again.
            ctx.executor().execute(() -> {
                FullHttpRequest next = waiting.poll();
                if (next != null) {
                    ctx.fireChannelRead(next);
                }
            });
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        FullHttpRequest request;
        while ((request = waiting.poll()) != null) {
            ReferenceCountUtil.release(request);
        }
        ctx.fireChannelInactive();
    }
}
