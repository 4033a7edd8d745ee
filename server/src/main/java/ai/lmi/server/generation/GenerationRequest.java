package ai.lmi.server.generation;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;

/**
 * One generation to run: the prompt as token ids and how to continue it.
 *
 * @param requestId unique id, used in logs and responses
 * @param promptIds the tokenized prompt, special tokens included
 * @param adapterId the LoRA adapter to run it with, {@link NewSequence#NO_ADAPTER} for the base model alone
 */
public record GenerationRequest(String requestId, int[] promptIds, SamplingParams params, int adapterId) {

    /** A generation by the base model alone. */
    public GenerationRequest(String requestId, int[] promptIds, SamplingParams params) {
        this(requestId, promptIds, params, NewSequence.NO_ADAPTER);
    }

    public GenerationRequest withAdapter(int id) {
        return new GenerationRequest(requestId, promptIds, params, id);
    }
}
