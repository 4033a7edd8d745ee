package ai.lmi.engines.embedding;

import java.util.Locale;

/** How the per-token hidden states of one input become its single vector; the attention mask marks real tokens. */
public enum Pooling {
    /** The mean over real tokens (sentence-transformers' default). */
    MEAN,
    /** The first token, e.g. BERT's [CLS]. */
    CLS,
    /** The last real token, for decoder-style embedding models. */
    LAST;

    /** The name {@code option.pooling} uses, e.g. {@code mean}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
