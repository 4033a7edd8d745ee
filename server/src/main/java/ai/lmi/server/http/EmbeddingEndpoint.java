package ai.lmi.server.http;

import ai.lmi.engines.embedding.InputTooLongException;
import ai.lmi.engines.embedding.NoTokensException;
import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.EmbeddingParser;
import ai.lmi.server.api.FieldReader;
import ai.lmi.server.api.PreparedEmbedding;
import ai.lmi.server.api.ServedEmbeddingModel;
import ai.lmi.server.embedding.EmbeddingService;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.metrics.ServerMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;

/**
 * An embedding route: parses the body with its schema's parser, hands the texts to the embedding service, and
 * answers through an {@link EmbeddingExchange}, which counts it in {@code lmi_requests_total}. A request not
 * answered within the timeout (unless zero) gets 504.
 */
final class EmbeddingEndpoint extends ModelEndpoint<EmbeddingService> {

    private final EmbeddingParser parser;

    EmbeddingEndpoint(EmbeddingService service, ServerMetrics metrics, EmbeddingParser parser, Duration timeout) {
        super(service, metrics, timeout);
        this.parser = parser;
    }

    @Override
    protected void submit(ChannelHandlerContext ctx, FullHttpRequest request, FieldReader body) {
        PreparedEmbedding prepared =
                parser.parse(body, new ServedEmbeddingModel(service.model().name(), service.dimension()));
        EmbeddingExchange exchange = new EmbeddingExchange(ctx, metrics, timeout, prepared);
        try {
            exchange.begin(service.embed(prepared.input().texts(), ctx.executor(), exchange::answer));
        } catch (ServiceUnavailableException e) {
            throw ApiException.serviceUnavailable(e.getMessage(), e.retryAfterSeconds());
        } catch (InputTooLongException e) {
            throw ApiException.badRequest(prepared.input().fieldOf(e.index()) + " has " + e.tokens() + " tokens, "
                    + "more than max_model_len " + e.maxModelLen() + "; shorten it or set option.truncate=true");
        } catch (NoTokensException e) {
            throw ApiException.badRequest(prepared.input().fieldOf(e.index()) + " has no tokens: the model's "
                    + "tokenizer keeps none of its characters and adds no special tokens");
        }
    }
}
