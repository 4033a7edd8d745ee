package ai.lmi.server.http;

import ai.lmi.server.api.ApiException;
import ai.lmi.server.api.FieldReader;
import ai.lmi.server.api.GenerationParser;
import ai.lmi.server.api.PreparedGeneration;
import ai.lmi.server.api.ServedModel;
import ai.lmi.server.core.NewSequence;
import ai.lmi.server.generation.GenerationHandle;
import ai.lmi.server.generation.GenerationService;
import ai.lmi.server.generation.ServiceUnavailableException;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.structured.GrammarCompiler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;

/**
 * A generation route: parses the body with its schema's parser, submits the generation and answers through a
 * streaming or whole-response exchange, which counts it in {@code lmi_requests_total}. A generation still running
 * after the timeout (unless zero) is stopped and answered with 504; a stream whose client leaves more than
 * {@code maxStreamBufferBytes} unread is stopped and its connection closed.
 */
final class GenerationEndpoint extends ModelEndpoint<GenerationService> {

    static final String ADAPTER_HEADER = "X-Amzn-SageMaker-Adapter-Identifier";

    private final GenerationParser parser;
    private final long maxStreamBufferBytes;
    private final GrammarCompiler grammars;

    GenerationEndpoint(GenerationService service, ServerMetrics metrics, GenerationParser parser, Duration timeout,
            long maxStreamBufferBytes, GrammarCompiler grammars) {
        super(service, metrics, timeout);
        this.parser = parser;
        this.maxStreamBufferBytes = maxStreamBufferBytes;
        this.grammars = grammars;
    }

    @Override
    protected void submit(ChannelHandlerContext ctx, FullHttpRequest request, FieldReader body) {
        ServedModel model = ServedModel.of(service, grammars);
        PreparedGeneration prepared = withHeaderAdapter(parser.parse(body, model), request, model);
        GenerationExchange exchange = prepared.streaming()
                ? new StreamingExchange(ctx, metrics, timeout, prepared.streamRenderer(), maxStreamBufferBytes)
                : new WholeResponseExchange(ctx, metrics, timeout, prepared.responseRenderer());
        exchange.begin(submit(prepared, exchange));
    }

    /**
     * SageMaker names the adapter of an inference component in a header; it agrees with what the body names, or
     * stands alone.
     */
    private static PreparedGeneration withHeaderAdapter(PreparedGeneration prepared, FullHttpRequest request,
            ServedModel model) {
        String header = request.headers().get(ADAPTER_HEADER);
        if (header == null) {
            return prepared;
        }
        int fromHeader = model.adapterId(header.strip());
        int fromBody = prepared.request().adapterId();
        if (fromBody != NewSequence.NO_ADAPTER && fromBody != fromHeader) {
            throw ApiException.badRequest("the " + ADAPTER_HEADER + " header names adapter '" + header.strip()
                    + "', the body another");
        }
        return prepared.withRequest(prepared.request().withAdapter(fromHeader));
    }

    private GenerationHandle submit(PreparedGeneration prepared, GenerationExchange exchange) {
        try {
            return service.submit(prepared.request(), exchange);
        } catch (ServiceUnavailableException e) {
            throw ApiException.serviceUnavailable(e.getMessage(), e.retryAfterSeconds());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
