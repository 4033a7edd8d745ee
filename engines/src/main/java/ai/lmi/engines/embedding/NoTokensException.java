package ai.lmi.engines.embedding;

/**
 * Thrown by {@link EmbeddingEngine#embed} when a text tokenizes to no tokens at all: only possible with a tokenizer
 * that adds no special tokens (GPT-2- or Qwen2-style) and a text it keeps nothing of, such as whitespace for a
 * WordPiece one. Zero tokens have no vector: a mean over none, no first and no last token.
 */
public final class NoTokensException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int index;

    NoTokensException(int index) {
        super("input[" + index + "] has no tokens: the tokenizer keeps none of its characters and adds no special "
                + "tokens");
        this.index = index;
    }

    /** The position of the offending input in the request's list. */
    public int index() {
        return index;
    }
}
