package ai.lmi.server.http;

import ai.lmi.server.api.ErrorType;
import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationHandle;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.generation.TokenSink;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation's HTTP response. The engine calls the {@link TokenSink} methods on its own thread; they only
 * queue the event and, if none is pending, schedule one drain on the channel's event loop. So the response
 * state below is touched by that one thread only, the engine never waits on the network, and the events of
 * one engine step go out with one flush. A client that closes the connection cancels the generation, and so
 * does the request timeout when it fires first, or a stream's client that does not read (see {@link #abandon}).
 */
abstract class GenerationExchange implements TokenSink {

    private static final Logger LOG = LoggerFactory.getLogger(GenerationExchange.class);

    protected final ChannelHandlerContext ctx;
    private final ServerMetrics metrics;
    private final Duration timeout;
    private final ChannelFutureListener cancelOnClose = future -> clientClosed();
    private final Queue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private GenerationHandle handle;
    /** Set by {@link #begin}: events the engine sent during submit wait for the response to start. */
    private boolean begun;
    /** Guards against draining inside a drain, should a write run pending tasks (as EmbeddedChannel does). */
    private boolean draining;
    /** Set once the response is complete or the client is gone; later events are dropped. */
    private boolean ended;
    private ScheduledFuture<?> deadline;

    /** @param timeout how long the generation may run before it is stopped and answered with 504; zero: no limit */
    GenerationExchange(ChannelHandlerContext ctx, ServerMetrics metrics, Duration timeout) {
        this.ctx = ctx;
        this.metrics = metrics;
        this.timeout = timeout;
    }

    /** Called on the event loop right after the generation was submitted. */
    final void begin(GenerationHandle generation) {
        this.handle = generation;
        // Fires at once if the channel is already closed.
        ctx.channel().closeFuture().addListener(cancelOnClose);
        if (!timeout.isZero()) {
            deadline = ctx.executor().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (!ended) {
            run(this::started);
        }
        begun = true;
        drain();
    }

    @Override
    public final void onToken(GeneratedToken token) {
        post(() -> token(token));
    }

    @Override
    public final void onFinish(GenerationResult result) {
        post(() -> finished(result));
    }

    @Override
    public final void onError(String message) {
        post(() -> failed(ErrorType.INTERNAL_SERVER_ERROR, message));
    }

    /** The response may begin (e.g. its head); writes here and below are flushed by the caller. */
    protected abstract void started();

    protected abstract void token(GeneratedToken token);

    protected abstract void finished(GenerationResult result);

    /** The generation failed or was stopped; {@code type} gives the status when the head has not gone out yet. */
    protected abstract void failed(ErrorType type, String message);

    /** The events of one drain were written and flushed; a stream checks here what its client left unread. */
    protected void flushed() {}

    /**
     * The client does not read: the generation is cancelled, so that its KV blocks are free before the next step,
     * and the connection is closed without a last event. Counted as {@code 499}, as a client that left.
     */
    protected final void abandon(String why) {
        ended = true;
        metrics.countRequest(ServerMetrics.CLIENT_CLOSED_REQUEST);
        metrics.countSlowClientAbort();
        stopDeadline();
        handle.cancel();
        LOG.warn("stopped the stream to {}: {}", ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    /** The response is complete; counts it with {@code status} and stops listening for the client closing. */
    protected final void end(int status) {
        ended = true;
        metrics.countRequest(status);
        ctx.channel().closeFuture().removeListener(cancelOnClose);
        stopDeadline();
    }

    private void clientClosed() {
        if (ended) {
            return;
        }
        ended = true;
        metrics.countRequest(ServerMetrics.CLIENT_CLOSED_REQUEST);
        stopDeadline();
        handle.cancel();
    }

    // Event loop, like every response state change: the deadline cannot race a finishing generation.
    private void timedOut() {
        if (ended) {
            return;
        }
        handle.cancel();
        run(() -> failed(ErrorType.GATEWAY_TIMEOUT, "the request did not finish within request_timeout_s="
                + timeout.toSeconds() + " s; its generation was stopped"));
        ctx.flush();
    }

    private void stopDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    // Engine thread.
    private void post(Runnable event) {
        events.add(event);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                ctx.executor().execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The event loop is shutting down with the server; the connection is going away with it.
                LOG.debug("dropped a generation event during shutdown", e);
            }
        }
    }

    // Event loop.
    private void drain() {
        // Cleared before polling, so that an event queued after the last poll schedules a new drain.
        drainScheduled.set(false);
        if (!begun || draining) {
            return;
        }
        draining = true;
        try {
            for (Runnable event = events.poll(); event != null; event = events.poll()) {
                if (!ended) {
                    run(event);
                }
            }
        } finally {
            draining = false;
        }
        ctx.flush();
        if (!ended) {
            flushed();
        }
    }

    // A rendering bug must end this response, not escape into the event loop and leave the client waiting.
    private void run(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.error("rendering a generation response failed", e);
            if (ended) {
                return;
            }
            handle.cancel();
            try {
                failed(ErrorType.INTERNAL_SERVER_ERROR, "internal error: " + e);
            } catch (RuntimeException again) {
                LOG.debug("could not report the rendering failure to the client", again);
            }
            if (!ended) {
                end(ErrorType.INTERNAL_SERVER_ERROR.code());
                ctx.close();
            }
        }
    }
}
