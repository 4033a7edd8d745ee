package ai.lmi.engines.embedding;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the per-token hidden states of one input become its single vector; the attention mask marks real tokens. */
public enum Pooling {
    /** The mean over real tokens (sentence-transformers' default). */
    MEAN,
    /** The first token, e.g. BERT's [CLS]. */
    CLS,
    /** The last real token, for decoder-style embedding models. */
    LAST;

    /** Parses {@code option.pooling}: {@code mean}, {@code cls} or {@code last}. */
    public static Pooling fromConfigName(String value) {
        for (Pooling pooling : values()) {
            if (pooling.configName().equals(value)) {
                return pooling;
            }
        }
        throw new IllegalArgumentException("pooling '" + value + "' is not one of "
                + Arrays.stream(values()).map(Pooling::configName).collect(Collectors.joining(", ")));
    }

    /** The name {@code serving.properties} uses. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
