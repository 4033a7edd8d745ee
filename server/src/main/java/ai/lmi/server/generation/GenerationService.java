package ai.lmi.server.generation;

import ai.lmi.server.adapter.AdapterService;
import ai.lmi.server.model.ModelService;
import ai.lmi.server.tokenizer.Tokenizer;

/** The served generative model as the HTTP layer sees it. */
public interface GenerationService extends ModelService {

    /**
     * Queues a generation; events go to {@code sink} on the engine thread.
     *
     * @throws ServiceUnavailableException when the model is not ready or the queue is full
     * @throws IllegalArgumentException when the request cannot fit the model (the message names why)
     */
    GenerationHandle submit(GenerationRequest request, TokenSink sink) throws ServiceUnavailableException;

    /** The model's tokenizer, for prompts and chat templates. */
    Tokenizer tokenizer();

    /** The model's LoRA adapters; none, and none can be loaded, unless the engine serves them. */
    default AdapterService adapters() {
        return AdapterService.DISABLED;
    }
}
