package ai.lmi.server.generation;

import ai.lmi.server.core.SamplingParams;

/**
 * One generation to run: the prompt as token ids and how to continue it.
 *
 * @param requestId unique id, used in logs and responses
 * @param promptIds the tokenized prompt, special tokens included
 */
public record GenerationRequest(String requestId, int[] promptIds, SamplingParams params) {}
