package ai.lmi.server.scheduler;

import ai.lmi.server.worker.SamplingParams;

/**
 * What a worker needs to know of a sequence it sees for the first time, or again after a preemption.
 *
 * <p>A recompute repeats positions whose prompt logprobs were already reported; the caller drops those.
 *
 * @param promptLength   tokens before this position are prompt, the rest output (penalties tell them apart)
 * @param params         how to sample it
 * @param prefixTokenIds the tokens at positions 0..start-1 that a prefix-cache hit spared the worker from
 *                       computing, so that penalties and seeds see the whole history
 */
public record NewSequence(int promptLength, SamplingParams params, int[] prefixTokenIds) {
}
