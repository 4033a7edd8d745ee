package ai.lmi.engines.embedding;

/** Thrown by {@link EmbeddingEngine#embed} when an input has more tokens than max_model_len and truncation is off. */
public final class InputTooLongException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int index;
    private final int tokens;
    private final int maxModelLen;

    InputTooLongException(int index, int tokens, int maxModelLen) {
        super("input[" + index + "] has " + tokens + " tokens, more than max_model_len " + maxModelLen
                + "; shorten it or set option.truncate=true");
        this.index = index;
        this.tokens = tokens;
        this.maxModelLen = maxModelLen;
    }

    /** The position of the offending input in the request's list. */
    public int index() {
        return index;
    }

    /** Its token count, special tokens included. */
    public int tokens() {
        return tokens;
    }

    public int maxModelLen() {
        return maxModelLen;
    }
}
