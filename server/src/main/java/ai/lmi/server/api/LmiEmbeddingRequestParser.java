package ai.lmi.server.api;

/**
 * {@code POST /invocations} and {@code /predictions/{model}} for an embedding model, as LMI serves one:
 * {@code {"inputs": str | [str]}}. {@code parameters} may only be empty, and any other field is a 400;
 * {@code stream} cannot be true, since an embedding arrives whole.
 */
public final class LmiEmbeddingRequestParser implements EmbeddingParser {

    @Override
    public PreparedEmbedding parse(FieldReader body, ServedEmbeddingModel model) {
        EmbeddingInput input = EmbeddingInput.read(body, "inputs");
        RequestSchemas.LMI_EMBEDDINGS.check(body);
        if (body.bool("stream", false)) {
            throw ApiException.badRequest("stream must be false for an embedding model (" + model.name()
                    + " serves option.task=text-embedding)");
        }
        return new PreparedEmbedding(input, new LmiEmbeddingRenderer(input.single()));
    }
}
