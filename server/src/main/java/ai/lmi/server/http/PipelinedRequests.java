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
 * Answers the requests a client pipelines on one connection one at a time, in their order, as HTTP/1.1 requires:
 * two responses written at once would come out of order or, for streams, interleaved. A request that arrives while
 * another is answered waits here, and the connection stops reading meanwhile, so that what waits stays as small as
 * what was already read. It goes on once the previous response's last part was written.
 */
final class PipelinedRequests extends ChannelDuplexHandler {

    private final Queue<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean answering;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request) {
            if (answering) {
                waiting.add(request);
                ctx.channel().config().setAutoRead(false);
                return;
            }
            answering = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean last = msg instanceof LastHttpContent;
        ctx.write(msg, promise);
        if (last && answering) {
            answering = false;
            // Not from inside this write: the writer (a generation's drain) is still running.
            ctx.executor().execute(() -> next(ctx));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    private void next(ChannelHandlerContext ctx) {
        if (answering || !ctx.channel().isActive()) {
            return;
        }
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            ctx.channel().config().setAutoRead(true);
            return;
        }
        answering = true;
        ctx.fireChannelRead(request);
        ctx.fireChannelReadComplete();
    }

    private void releaseWaiting() {
        for (FullHttpRequest request = waiting.poll(); request != null; request = waiting.poll()) {
            ReferenceCountUtil.release(request);
        }
    }
}
