package ai.lmi.server.config;

/** How requests share the steps of the engine ({@code option.batching}). */
public enum Batching implements ConfigValue {
    /** Requests join and leave the running batch at every step. */
    CONTINUOUS,
    /**
     * A benchmark baseline, like Hugging Face {@code generate} or DJL's {@code rolling_batch=disable}: a batch
     * is formed when nothing runs and runs to completion; a finished request is answered at once but keeps
     * decoding as padding until the whole batch is done.
     */
    STATIC
}
