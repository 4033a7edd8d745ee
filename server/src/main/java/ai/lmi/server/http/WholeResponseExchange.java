package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.ResponseRenderer;
import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A non-streamed generation response: tokens are collected and the whole body is sent when it finishes. */
final class WholeResponseExchange extends GenerationExchange {

    private final ResponseRenderer renderer;
    private final List<GeneratedToken> tokens = new ArrayList<>();

    WholeResponseExchange(ChannelHandlerContext ctx, ServerMetrics metrics, Duration timeout, ResponseRenderer renderer) {
        super(ctx, metrics, timeout);
        this.renderer = renderer;
    }

    @Override
    protected void started() {}

    @Override
    protected void token(GeneratedToken token) {
        tokens.add(token);
    }

    @Override
    protected void finished(GenerationResult result) {
        HttpResponses.sendJson(ctx, HttpResponseStatus.OK, renderer.render(tokens, result));
        end(HttpResponseStatus.OK.code());
    }

    @Override
    protected void failed(ErrorType type, String message) {
        HttpResponses.sendError(ctx, new ApiException(type, message));
        end(type.code());
    }
}
