package ai.lmi.server.http;

import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

/** The pipeline of every connection. */
public final class HttpServerInitializer extends ChannelInitializer<Channel> {

    private final int maxPayloadBytes;
    private final RequestRouter router;

    public HttpServerInitializer(GenerationService service, ServerMetrics metrics, int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.router = new RequestRouter(ServerRoutes.of(service, metrics));
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline p = channel.pipeline();
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpServerKeepAliveHandler());
        p.addLast(new PayloadLimitAggregator(maxPayloadBytes));
        p.addLast(router);
    }
}
