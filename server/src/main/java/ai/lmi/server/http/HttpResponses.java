package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Whole (non-streamed) responses: JSON bodies, text bodies and the {@code {"code", "type", "message"}} errors. */
final class HttpResponses {

    static final String JSON = "application/json";

    private HttpResponses() {}

    static ChannelFuture sendJson(ChannelHandlerContext ctx, HttpResponseStatus status, JsonNode body) {
        return ctx.writeAndFlush(json(status, body));
    }

    static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
        return full(status, JSON, Json.write(body));
    }

    static ChannelFuture sendText(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType,
            String body) {
        return ctx.writeAndFlush(full(status, contentType, body));
    }

    static ChannelFuture sendError(ChannelHandlerContext ctx, ApiException error) {
        return ctx.writeAndFlush(error(error));
    }

    /** The error response, with {@code Retry-After} when the error says when to retry. */
    static FullHttpResponse error(ApiException error) {
        FullHttpResponse response = full(
                HttpResponseStatus.valueOf(error.type().code()), JSON, Json.write(error.toJson()));
        if (error.retryAfterSeconds() > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, error.retryAfterSeconds());
        }
        return response;
    }

    /** A 500 for a bug: the exception's class and message, whose stack trace the caller logs. */
    static ApiException internalError(Exception e) {
        return new ApiException(ErrorType.INTERNAL_SERVER_ERROR,
                "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    static FullHttpResponse full(HttpResponseStatus status, String contentType, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }
}
