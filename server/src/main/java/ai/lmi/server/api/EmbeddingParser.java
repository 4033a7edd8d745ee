package ai.lmi.server.api;

/** Validates one schema's embedding request body. */
@FunctionalInterface
public interface EmbeddingParser {

    /** @throws ApiException (400) naming the offending field */
    PreparedEmbedding parse(FieldReader body, ServedEmbeddingModel model);
}
