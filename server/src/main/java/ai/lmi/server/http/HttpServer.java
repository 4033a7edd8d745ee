package ai.lmi.server.http;

import ai.lmi.server.embedding.EmbeddingService;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener: binds the configured address and serves every connection with {@link HttpServerInitializer}.
 * The daemon has two, the inference routes on {@code port} and the management routes on {@code management_address}.
 */
public final class HttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final HttpServerSettings settings;
    private final HttpServerInitializer initializer;
    private EventLoopGroup acceptors;
    private EventLoopGroup workers;
    private Channel listener;

    /** The front end of a generative model. */
    public HttpServer(HttpServerSettings settings, GenerationService service, ServerMetrics metrics) {
        this(settings, ServerRoutes.generation(
                service, metrics, settings.requestTimeout(), settings.maxStreamBufferBytes()));
    }

    /** The front end of an embedding model. */
    public HttpServer(HttpServerSettings settings, EmbeddingService service, ServerMetrics metrics) {
        this(settings, ServerRoutes.embedding(service, metrics, settings.requestTimeout()));
    }

    private HttpServer(HttpServerSettings settings, RouteTable routes) {
        this.settings = settings;
        this.initializer = new HttpServerInitializer(routes, settings.maxPayloadBytes(),
                settings.requestReadTimeout(), settings.keepAliveTimeout(), settings.apiKey().map(ApiKeyCheck::new));
    }

    /** A generative model's management listener: {@code GET /models}, {@code GET /models/{name}}, its adapters. */
    public static HttpServer management(HttpServerSettings settings, GenerationService service) {
        return new HttpServer(settings, ServerRoutes.management(service));
    }

    /** An embedding model's management listener: {@code GET /models} and {@code GET /models/{name}}. */
    public static HttpServer management(HttpServerSettings settings, EmbeddingService service) {
        return new HttpServer(settings, ServerRoutes.management(service));
    }

    /**
     * Binds and starts serving; returns the port it listens on (the chosen one when configured as 0).
     *
     * @throws IOException when the address cannot be bound (in use, not local, not permitted)
     */
    public synchronized int start() throws IOException {
        if (listener != null) {
            throw new IllegalStateException("the HTTP server is already started");
        }
        acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        ChannelFuture bound = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                // Streamed tokens are small writes that must not wait for Nagle's algorithm.
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer)
                .bind(settings.bindAddress(), settings.port())
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            close();
            throw new IOException("cannot listen on " + settings.bindAddress() + ":" + settings.port() + " ("
                    + settings.configuredBy() + "): " + bound.cause().getMessage(), bound.cause());
        }
        listener = bound.channel();
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        LOG.info("listening on http://{}:{} ({})", settings.bindAddress(), port, settings.configuredBy());
        return port;
    }

    /** Stops accepting, closes every connection and stops the event loops. */
    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
            listener = null;
        }
        if (acceptors != null) {
            // Netty's default 2 s quiet period only delays exit: the listener is closed, no new work arrives.
            Future<?> acceptorsDone = acceptors.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
            acceptorsDone.syncUninterruptibly();
            acceptors = null;
            workers = null;
        }
    }
}
