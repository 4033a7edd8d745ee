package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.generation.TokenSink;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code max_stream_buffer_bytes} counts what a stream wrote and the socket has not taken: past it the generation
 * is cancelled and the connection closed, however few bytes that is; a client that reads is never stopped.
 */
class StreamBufferLimitTest {

    private static final long LIMIT = 1000;
    private static final String STREAM = "{\"inputs\": \"Hello\", \"stream\": true}";

    private final FakeGenerationService service = new FakeGenerationService();
    private final ServerMetrics metrics = new ServerMetrics();

    /** A socket whose peer reads nothing: it takes no write, and fails them all when the connection closes. */
    private static final class UnreadSocket extends ChannelOutboundHandlerAdapter {
        private final List<Object> held = new ArrayList<>();
        private final List<ChannelPromise> pending = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            held.add(msg);
            pending.add(promise);
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            held.forEach(ReferenceCountUtil::release);
            pending.forEach(write -> write.tryFailure(new ClosedChannelException()));
            ctx.close(promise);
        }
    }

    @Test
    void aStreamWhoseClientTakesNothingIsStoppedPastTheLimit() {
        try (EmbeddedServer server = new EmbeddedServer(service, metrics, LIMIT, new UnreadSocket())) {
            TokenSink sink = startStream(server);
            int tokens = 0;
            while (server.server.isOpen() && tokens < 1000) {
                sink.onToken(FakeGenerationService.TOKENS.get(0));
                server.response();
                tokens++;
            }

            assertFalse(server.server.isOpen(), "the connection is closed");
            assertTrue(service.last().handle().cancelled(), "the generation is cancelled");
            assertTrue(tokens > 1, "the first events fit under the limit: " + tokens);
            assertEquals(1, metrics.requestCount(ServerMetrics.CLIENT_CLOSED_REQUEST));
            assertTrue(metrics.render().contains("lmi_slow_client_aborts_total 1"), metrics.render());
        }
    }

    @Test
    void aStreamWhoseClientReadsIsNotStoppedHoweverLong() {
        try (EmbeddedServer server = new EmbeddedServer(service, metrics, LIMIT, new ChannelOutboundHandlerAdapter())) {
            TokenSink sink = startStream(server);
            for (int i = 0; i < 200; i++) {
                sink.onToken(FakeGenerationService.TOKENS.get(0));
            }
            sink.onFinish(FakeGenerationService.result(service.last().request()));
            server.response();

            assertTrue(server.complete(), server.body());
            assertTrue(server.body().length() > 10 * LIMIT, "more than the limit went out in all");
            assertFalse(service.last().handle().cancelled());
            assertEquals(1, metrics.requestCount(200));
            assertTrue(metrics.render().contains("lmi_slow_client_aborts_total 0"), metrics.render());
        }
    }

    /** Posts a streamed generation that the test drives; returns its sink. */
    private TokenSink startStream(EmbeddedServer server) {
        service.answerAtOnce = false;
        server.post("/invocations", STREAM).response();
        return service.last().sink();
    }
}
