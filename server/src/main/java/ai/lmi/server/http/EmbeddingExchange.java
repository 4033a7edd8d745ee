package ai.lmi.server.http;

import ai.lmi.engines.embedding.Embedding;
import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.PreparedEmbedding;
import ai.lmi.server.embedding.EmbeddingHandle;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedding request's response: the engine's answer, or 504 when {@code timeout} (unless zero) passes first,
 * which cancels the embedding. Both run on the connection's event loop, so whichever comes first is written and
 * counted in {@code lmi_requests_total}, and the other is dropped. A client that closes the connection first
 * cancels the embedding too, so that its inputs not yet run are dropped.
 */
final class EmbeddingExchange {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingExchange.class);

    private final ChannelHandlerContext ctx;
    private final ServerMetrics metrics;
    private final Duration timeout;
    private final PreparedEmbedding prepared;
    private final ChannelFutureListener cancelOnClose = closed -> this.embedding.cancel();
    private EmbeddingHandle embedding;
    private ScheduledFuture<?> deadline;
    /** Set once the response went out or the client was found gone; a late answer is dropped. */
    private boolean ended;

    EmbeddingExchange(ChannelHandlerContext ctx, ServerMetrics metrics, Duration timeout, PreparedEmbedding prepared) {
        this.ctx = ctx;
        this.metrics = metrics;
        this.timeout = timeout;
        this.prepared = prepared;
    }

    /** Called on the event loop right after the embedding was submitted. */
    void begin(EmbeddingHandle submitted) {
        this.embedding = submitted;
        if (ended) {
            return;
        }
        // Fires at once if the channel is already closed; the cancelled embedding's answer then counts it as 499.
        ctx.channel().closeFuture().addListener(cancelOnClose);
        if (!timeout.isZero()) {
            deadline = ctx.executor().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The engine's result, on the event loop; kept short, so that rendering never holds up the batcher. */
    void answer(List<Embedding> embeddings, Throwable error) {
        if (ended) {
            return;
        }
        end();
        if (!ctx.channel().isActive()) {
            metrics.countRequest(ServerMetrics.CLIENT_CLOSED_REQUEST);
            return;
        }
        if (error != null) {
            // The engine's future fails with its cause wrapped when a stage before it failed.
            fail(error instanceof CompletionException wrapped && wrapped.getCause() != null
                    ? wrapped.getCause() : error);
            return;
        }
        try {
            HttpResponses.sendJson(ctx, HttpResponseStatus.OK, prepared.renderer().render(embeddings));
            metrics.countRequest(HttpResponseStatus.OK.code());
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void timedOut() {
        // Not cancelled: the embeddings are done, and their answer is queued behind this task on the event loop.
        if (ended || !embedding.cancel()) {
            return;
        }
        end();
        if (!ctx.channel().isActive()) {
            metrics.countRequest(ServerMetrics.CLIENT_CLOSED_REQUEST);
            return;
        }
        HttpResponses.sendError(ctx, new ApiException(ErrorType.GATEWAY_TIMEOUT, "the request did not finish within "
                + "request_timeout_s=" + timeout.toSeconds() + " s; its inputs not yet embedded were dropped"));
        metrics.countRequest(ErrorType.GATEWAY_TIMEOUT.code());
    }

    private void end() {
        ended = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        ctx.channel().closeFuture().removeListener(cancelOnClose);
    }

    private void fail(Throwable error) {
        LOG.error("embedding {} inputs failed", prepared.input().texts().size(), error);
        HttpResponses.sendError(ctx, new ApiException(ErrorType.INTERNAL_SERVER_ERROR,
                "the embedding failed: " + error.getClass().getSimpleName() + ": " + error.getMessage()));
        metrics.countRequest(ErrorType.INTERNAL_SERVER_ERROR.code());
    }
}
