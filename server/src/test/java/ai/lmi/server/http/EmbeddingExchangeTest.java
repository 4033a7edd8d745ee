package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.engines.embedding.Embedding;
import ai.lmi.server.api.FieldReader;
import ai.lmi.server.api.OpenAiEmbeddingRequestParser;
import ai.lmi.server.api.ServedEmbeddingModel;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The races between an embedding's answer, request_timeout_s and the client closing, on an embedded event loop. */
class EmbeddingExchangeTest {

    private static final List<Embedding> ANSWER = List.of(new Embedding(new float[] {0.6f, 0.8f}, 3));

    private final ServerMetrics metrics = new ServerMetrics();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final AtomicInteger cancels = new AtomicInteger();
    private final EmbeddingExchange exchange = new EmbeddingExchange(channel.pipeline().firstContext(), metrics,
            Duration.ofSeconds(1), new OpenAiEmbeddingRequestParser().parse(FieldReader.parseBody(
                    new ByteArrayInputStream("{\"input\": \"hi\"}".getBytes(StandardCharsets.UTF_8))),
                    new ServedEmbeddingModel("m", 2)));

    @Test
    void theTimeoutCancelsTheEmbeddingAnswers504AndDropsTheLateAnswer() {
        exchange.begin(this::cancelWhileRunning);
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        FullHttpResponse response = channel.readOutbound();
        assertEquals(504, response.status().code());
        assertTrue(response.content().toString(StandardCharsets.UTF_8).contains("request_timeout_s=1 s"));
        assertEquals(1, cancels.get());
        // What the cancelled future delivers, and an answer that lost the race all the same.
        exchange.answer(null, new CancellationException());
        exchange.answer(ANSWER, null);
        assertNull(channel.readOutbound());
        assertEquals(1, metrics.requestCount(504));
        assertEquals(0, metrics.requestCount(200) + metrics.requestCount(500));
    }

    @Test
    void anAnswerInTimeStopsTheTimer() {
        exchange.begin(this::cancelWhileRunning);
        exchange.answer(ANSWER, null);

        FullHttpResponse response = channel.readOutbound();
        assertEquals(200, response.status().code());
        assertEquals(-1, channel.runScheduledPendingTasks(), "no timer left");
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertNull(channel.readOutbound());
        assertEquals(0, cancels.get());
        assertEquals(1, metrics.requestCount(200));
        assertEquals(0, metrics.requestCount(504));
    }

    @Test
    void embeddingsDoneWhenTheTimerFiresAreStillAnswered() {
        // cancel() fails: the engine finished, and the answer is queued behind the timer on the event loop.
        exchange.begin(() -> false);
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertNull(channel.readOutbound());

        exchange.answer(ANSWER, null);
        FullHttpResponse response = channel.readOutbound();
        assertEquals(200, response.status().code());
        assertEquals(1, metrics.requestCount(200));
        assertEquals(0, metrics.requestCount(504));
    }

    @Test
    void aClientThatClosesCancelsTheEmbeddingAndIsCountedAs499() {
        exchange.begin(this::cancelWhileRunning);
        channel.close();
        assertEquals(1, cancels.get(), "closing the connection cancels the embedding at once");

        exchange.answer(null, new CancellationException());
        assertNull(channel.readOutbound());
        assertEquals(1, metrics.requestCount(ServerMetrics.CLIENT_CLOSED_REQUEST));
        assertEquals(0, metrics.requestCount(200) + metrics.requestCount(500) + metrics.requestCount(504));
    }

    @Test
    void closingAfterTheAnswerCancelsNothing() {
        exchange.begin(this::cancelWhileRunning);
        exchange.answer(ANSWER, null);
        channel.close();

        assertEquals(0, cancels.get());
        assertEquals(1, metrics.requestCount(200));
    }

    /** An embedding still running: the cancel succeeds. */
    private boolean cancelWhileRunning() {
        cancels.incrementAndGet();
        return true;
    }
}
