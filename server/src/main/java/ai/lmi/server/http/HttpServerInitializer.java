package ai.lmi.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

/** The pipeline of every connection, ending in the router of the served task's routes. */
final class HttpServerInitializer extends ChannelInitializer<Channel> {

    private final int maxPayloadBytes;
    private final RequestRouter router;

    HttpServerInitializer(RouteTable routes, int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.router = new RequestRouter(routes);
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline p = channel.pipeline();
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpServerKeepAliveHandler());
        p.addLast(new PayloadLimitAggregator(maxPayloadBytes));
        p.addLast(new OneRequestAtATime());
        p.addLast(router);
    }
}
