package ai.lmi.server.scheduler;

/** Why a request finished. */
public enum FinishReason {
    /** max_new_tokens reached, or the sequence reached max_model_len. */
    LENGTH,
    /** The model produced an end-of-sequence token (and ignore_eos was off). */
    EOS_TOKEN,
    /** A stop token id was sampled, or the caller matched a stop sequence in the text. */
    STOP_SEQUENCE,
    /** The client went away or cancelled. */
    ABORT,
    /** The request failed, e.g. its worker died. */
    ERROR
}
