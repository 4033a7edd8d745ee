package ai.lmi.engines.embedding;

/** One input's vector and the number of tokens it was computed from (special tokens included, after truncation). */
public record Embedding(float[] vector, int promptTokens) {}
