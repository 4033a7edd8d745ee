package ai.lmi.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.time.Duration;

/** The pipeline of every connection, ending in the router of the served task's routes. */
final class HttpServerInitializer extends ChannelInitializer<Channel> {

    private final int maxPayloadBytes;
    private final Duration requestReadTimeout;
    private final Duration keepAliveTimeout;
    private final RequestRouter router;

    /** Zero durations: no limit (see {@link ConnectionTimeouts}). */
    HttpServerInitializer(RouteTable routes, int maxPayloadBytes, Duration requestReadTimeout,
            Duration keepAliveTimeout) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.requestReadTimeout = requestReadTimeout;
        this.keepAliveTimeout = keepAliveTimeout;
        this.router = new RequestRouter(routes);
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline p = channel.pipeline();
        p.addLast(new HttpServerCodec());
        p.addLast(new ConnectionTimeouts(requestReadTimeout, keepAliveTimeout));
        p.addLast(new HttpServerKeepAliveHandler());
        p.addLast(new PayloadLimitAggregator(maxPayloadBytes));
        p.addLast(new PipelinedRequests());
        p.addLast(router);
    }
}
