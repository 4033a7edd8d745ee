package ai.lmi.server.generation;

import ai.lmi.server.tokenizer.Tokenizer;

/** The served model as the HTTP layer sees it. */
public interface GenerationService {

    /**
     * Queues a generation; events go to {@code sink} on the engine thread.
     *
     * @throws ServiceUnavailableException when the model is not ready or the queue is full
     * @throws IllegalArgumentException when the request cannot fit the model (the message names why)
     */
    GenerationHandle submit(GenerationRequest request, TokenSink sink) throws ServiceUnavailableException;

    /** True once the model is loaded and while its worker is healthy, until shutdown begins. */
    boolean isReady();

    /** True once a graceful shutdown has begun: requests in flight finish, new ones are refused. */
    boolean isShuttingDown();

    ModelDescription model();

    /** The model's tokenizer, for prompts and chat templates. */
    Tokenizer tokenizer();
}
