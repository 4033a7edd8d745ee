package ai.lmi.bench;

/** The request schema the benchmark speaks, {@code --api}. */
public enum Api {
    /** OpenAI {@code POST /v1/completions}, streamed as server-sent events. */
    COMPLETIONS("completions"),
    /** LMI {@code POST /invocations}, streamed as JSON lines. */
    INVOCATIONS("invocations"),
    /** OpenAI {@code POST /v1/embeddings}, one sentence per request, answered whole. */
    EMBEDDINGS("embeddings");

    private final String flagValue;

    Api(String flagValue) {
        this.flagValue = flagValue;
    }

    public String flagValue() {
        return flagValue;
    }
}
