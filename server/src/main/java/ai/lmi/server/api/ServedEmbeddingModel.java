package ai.lmi.server.api;

/** What embedding request parsing needs to know about the served model. */
public record ServedEmbeddingModel(String name, int dimension) {}
