package ai.lmi.server.http;

import ai.lmi.engines.embedding.Embedding;
import ai.lmi.engines.embedding.InputTooLongException;
import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.EmbeddingParser;
import ai.lmi.server.api.ErrorType;
import ai.lmi.server.api.FieldReader;
import ai.lmi.server.api.PreparedEmbedding;
import ai.lmi.server.api.ServedEmbeddingModel;
import ai.lmi.server.embedding.EmbeddingService;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedding route: parses the body with its schema's parser, hands the texts to the embedding service, and
 * answers on the connection's event loop once the engine has embedded them. Every request it answers is counted
 * in {@code lmi_requests_total}. A {@code {model}} path segment, when the route has one, must name the served model.
 */
final class EmbeddingEndpoint implements Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingEndpoint.class);

    private final EmbeddingService service;
    private final ServerMetrics metrics;
    private final EmbeddingParser parser;

    EmbeddingEndpoint(EmbeddingService service, ServerMetrics metrics, EmbeddingParser parser) {
        this.service = service;
        this.metrics = metrics;
        this.parser = parser;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> pathParams) {
        try {
            PreparedEmbedding prepared = prepare(request, pathParams.get("model"));
            submit(ctx, prepared);
        } catch (ApiException e) {
            metrics.countRequest(e.type().code());
            throw e;
        } catch (RuntimeException e) {
            metrics.countRequest(ErrorType.INTERNAL_SERVER_ERROR.code());
            throw e;
        }
    }

    private PreparedEmbedding prepare(FullHttpRequest request, String modelInPath) {
        String served = service.model().name();
        if (modelInPath != null && !modelInPath.equals(served)) {
            throw ApiException.notFound("model " + modelInPath + " is not served here; this server serves " + served);
        }
        // The embedding size is only known once the model has loaded.
        ServiceAvailability.require(service);
        FieldReader body = FieldReader.parseBody(new ByteBufInputStream(request.content()));
        return parser.parse(body, new ServedEmbeddingModel(served, service.dimension()));
    }

    private void submit(ChannelHandlerContext ctx, PreparedEmbedding prepared) {
        try {
            service.embed(prepared.input().texts(), ctx.executor(),
                    (embeddings, error) -> answer(ctx, prepared, embeddings, error));
        } catch (ServiceUnavailableException e) {
            throw ApiException.serviceUnavailable(e.getMessage(), e.retryAfterSeconds());
        } catch (InputTooLongException e) {
            throw ApiException.badRequest(prepared.input().fieldOf(e.index()) + " has " + e.tokens() + " tokens, "
                    + "more than max_model_len " + e.maxModelLen() + "; shorten it or set option.truncate=true");
        }
    }

    // Runs on the connection's event loop, so that rendering never holds up the engine's batcher.
    private void answer(ChannelHandlerContext ctx, PreparedEmbedding prepared, List<Embedding> embeddings,
            Throwable error) {
        if (!ctx.channel().isActive()) {
            metrics.countRequest(ServerMetrics.CLIENT_CLOSED_REQUEST);
            return;
        }
        if (error != null) {
            // The engine's future fails with its cause wrapped when a stage before it failed.
            fail(ctx, prepared, error instanceof CompletionException wrapped && wrapped.getCause() != null
                    ? wrapped.getCause() : error);
            return;
        }
        try {
            HttpResponses.sendJson(ctx, HttpResponseStatus.OK, prepared.renderer().render(embeddings));
            metrics.countRequest(HttpResponseStatus.OK.code());
        } catch (RuntimeException e) {
            fail(ctx, prepared, e);
        }
    }

    private void fail(ChannelHandlerContext ctx, PreparedEmbedding prepared, Throwable error) {
        LOG.error("embedding {} inputs failed", prepared.input().texts().size(), error);
        HttpResponses.sendError(ctx, new ApiException(ErrorType.INTERNAL_SERVER_ERROR,
                "the embedding failed: " + error.getClass().getSimpleName() + ": " + error.getMessage()));
        metrics.countRequest(ErrorType.INTERNAL_SERVER_ERROR.code());
    }
}
