package ai.lmi.server.generation;

import java.util.List;

/** A prompt token with its logprob given the tokens before it (NaN for the first). */
public record PromptToken(int id, String text, float logprob, List<TopLogprob> top) {}
