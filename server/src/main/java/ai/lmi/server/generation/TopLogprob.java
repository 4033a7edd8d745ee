package ai.lmi.server.generation;

/** One of the best candidates at a position: its token, text and logprob. */
public record TopLogprob(int tokenId, String text, float logprob) {}
