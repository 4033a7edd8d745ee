package ai.lmi.server.core;

/** Why a generation ended; {@link #wireName()} is how the LMI and OpenAI schemas spell it. */
public enum FinishReason {
    /** max_new_tokens reached, or the sequence reached max_model_len. */
    LENGTH("length"),
    /** The model produced an end-of-sequence token (and ignore_eos was off). */
    EOS_TOKEN("eos_token"),
    /** A stop token id was sampled, or a stop sequence matched in the text. */
    STOP_SEQUENCE("stop_sequence"),
    /** The client went away or cancelled. */
    ABORT("abort"),
    /** The request failed, e.g. its worker died too often while computing it. */
    ERROR("error");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
