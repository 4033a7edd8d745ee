package ai.lmi.server.generation;

/** Why a generation ended; {@link #wireName()} is how the LMI and OpenAI schemas spell it. */
public enum FinishReason {
    LENGTH("length"),
    EOS_TOKEN("eos_token"),
    STOP_SEQUENCE("stop_sequence"),
    ABORT("abort"),
    ERROR("error");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
