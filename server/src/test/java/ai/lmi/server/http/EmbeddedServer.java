package ai.lmi.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.api.Json;
import ai.lmi.server.config.Secret;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.embedding.EmbeddingService;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A server pipeline on an {@link EmbeddedChannel} (no sockets), fed real HTTP bytes; responses are decoded
 * by a client-side decoder. The "engine thread" is the test thread, and pending event-loop tasks run on
 * {@link #response()}.
 */
final class EmbeddedServer implements AutoCloseable {

    final EmbeddedChannel server;
    private final EmbeddedChannel clientDecoder = new EmbeddedChannel(new HttpResponseDecoder());
    private HttpResponse head;
    private final StringBuilder body = new StringBuilder();
    private boolean complete;

    EmbeddedServer(GenerationService service, ServerMetrics metrics, int maxPayloadBytes) {
        this(service, metrics, maxPayloadBytes, Optional.empty());
    }

    /** @param apiKey the {@code option.api_key} the server asks for, if any */
    EmbeddedServer(GenerationService service, ServerMetrics metrics, int maxPayloadBytes, Optional<Secret> apiKey) {
        this(ServerRoutes.generation(service, metrics, Duration.ZERO, Long.MAX_VALUE), maxPayloadBytes, apiKey);
    }

    /** With {@code socket} between the pipeline and the channel, standing in for what the socket does with writes. */
    EmbeddedServer(GenerationService service, ServerMetrics metrics, long maxStreamBufferBytes, ChannelHandler socket) {
        server = new EmbeddedChannel(socket, pipeline(
                ServerRoutes.generation(service, metrics, Duration.ZERO, maxStreamBufferBytes), 1 << 20,
                Optional.empty()));
    }

    private EmbeddedServer(RouteTable routes, int maxPayloadBytes, Optional<Secret> apiKey) {
        server = new EmbeddedChannel(pipeline(routes, maxPayloadBytes, apiKey));
    }

    /** No connection time limits. */
    private static HttpServerInitializer pipeline(RouteTable routes, int maxPayloadBytes, Optional<Secret> apiKey) {
        return new HttpServerInitializer(routes, maxPayloadBytes, Duration.ZERO, Duration.ZERO,
                apiKey.map(ApiKeyCheck::new));
    }

    /** The management listener's pipeline. */
    static EmbeddedServer management(GenerationService service) {
        return new EmbeddedServer(ServerRoutes.management(service), 1 << 20, Optional.empty());
    }

    /** The management listener's pipeline, adapter changes run by {@code adapterChanges}. */
    static EmbeddedServer management(GenerationService service, Executor adapterChanges) {
        return new EmbeddedServer(ServerRoutes.management(service, adapterChanges), 1 << 20, Optional.empty());
    }

    /** An embedding model's management listener's pipeline. */
    static EmbeddedServer management(EmbeddingService service) {
        return new EmbeddedServer(ServerRoutes.management(service), 1 << 20, Optional.empty());
    }

    EmbeddedServer(GenerationService service, ServerMetrics metrics) {
        this(service, metrics, 1 << 20);
    }

    EmbeddedServer send(HttpMethod method, String uri) {
        return send(method, uri, null);
    }

    EmbeddedServer post(String uri, String json) {
        return send(HttpMethod.POST, uri, json);
    }

    EmbeddedServer send(HttpMethod method, String uri, String jsonBody) {
        return send(method, uri, jsonBody, Map.of());
    }

    /** Sends a request with more headers, e.g. {@code Authorization}. */
    EmbeddedServer send(HttpMethod method, String uri, String jsonBody, Map<String, String> headers) {
        ByteBuf content = jsonBody == null ? Unpooled.EMPTY_BUFFER
                : Unpooled.copiedBuffer(jsonBody, StandardCharsets.UTF_8);
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, content);
        request.headers().set(HttpHeaderNames.HOST, "localhost");
        request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        if (jsonBody != null) {
            request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        headers.forEach(request.headers()::set);
        EmbeddedChannel encoder = new EmbeddedChannel(new HttpRequestEncoder());
        encoder.writeOutbound(request);
        ByteBuf bytes;
        while ((bytes = encoder.readOutbound()) != null) {
            // The server may close mid-request (413); the rest of the bytes then go nowhere, as on a socket.
            if (server.isOpen()) {
                server.writeInbound(bytes);
            } else {
                bytes.release();
            }
        }
        return this;
    }

    /** Sends raw bytes, for requests an encoder would not write. */
    EmbeddedServer sendRaw(String raw) {
        server.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        return this;
    }

    /** Runs pending event-loop tasks and decodes whatever the server has written so far. */
    EmbeddedServer response() {
        server.runPendingTasks();
        ByteBuf bytes;
        while ((bytes = server.readOutbound()) != null) {
            clientDecoder.writeInbound(bytes);
        }
        HttpObject object;
        while ((object = clientDecoder.readInbound()) != null) {
            if (object instanceof HttpResponse response) {
                head = response;
            }
            if (object instanceof HttpContent content) {
                body.append(content.content().toString(StandardCharsets.UTF_8));
                complete |= content instanceof LastHttpContent;
                content.release();
            }
        }
        return this;
    }

    int status() {
        return head.status().code();
    }

    String header(CharSequence name) {
        return head.headers().get(name);
    }

    String body() {
        return body.toString();
    }

    JsonNode json() {
        try {
            return Json.MAPPER.readTree(body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The response is the error body of {@code code} and {@code type}, its message containing {@code messagePart}. */
    void assertError(int code, String type, String messagePart) {
        assertEquals(code, status(), body());
        JsonNode error = json();
        assertEquals(code, error.path("code").asInt());
        assertEquals(type, error.path("type").asText());
        assertTrue(error.path("message").asText().contains(messagePart), error.toString());
    }

    /** True once the whole response, last chunk included, has arrived. */
    boolean complete() {
        return complete;
    }

    /** Forgets the response read so far, to read the next one on the same connection. */
    EmbeddedServer next() {
        head = null;
        body.setLength(0);
        complete = false;
        return this;
    }

    @Override
    public void close() {
        server.finishAndReleaseAll();
        clientDecoder.finishAndReleaseAll();
    }
}
