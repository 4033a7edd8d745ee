package ai.lmi.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.time.Duration;
import java.util.Optional;

/** The pipeline of every connection, ending in the router of the served task's routes. */
final class HttpServerInitializer extends ChannelInitializer<Channel> {

    private final int maxPayloadBytes;
    private final Duration requestReadTimeout;
    private final Duration keepAliveTimeout;
    private final RequestRouter router;
    /** Empty: no API key is asked for. */
    private final Optional<ApiKeyCheck> apiKey;

    /** Zero durations: no limit (see {@link ConnectionTimeouts}); an empty key: none is asked for. */
    HttpServerInitializer(RouteTable routes, int maxPayloadBytes, Duration requestReadTimeout,
            Duration keepAliveTimeout, Optional<ApiKeyCheck> apiKey) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.requestReadTimeout = requestReadTimeout;
        this.keepAliveTimeout = keepAliveTimeout;
        this.router = new RequestRouter(routes);
        this.apiKey = apiKey;
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline p = channel.pipeline();
        p.addLast(new HttpServerCodec());
        p.addLast(new ConnectionTimeouts(requestReadTimeout, keepAliveTimeout));
        p.addLast(new HttpServerKeepAliveHandler());
        // Before the aggregator: a request without the key is refused before its body is read.
        apiKey.ifPresent(check -> p.addLast(new ApiKeyFilter(check)));
        p.addLast(new PayloadLimitAggregator(maxPayloadBytes));
        p.addLast(new PipelinedRequests());
        p.addLast(router);
    }
}
