package ai.lmi.server.api;

/** A validated embedding request: its texts and how to render their embeddings. */
public record PreparedEmbedding(EmbeddingInput input, EmbeddingRenderer renderer) {}
