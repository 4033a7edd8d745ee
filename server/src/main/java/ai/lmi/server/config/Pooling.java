package ai.lmi.server.config;

/** How an embedding model's token vectors become one vector per input ({@code option.pooling}). */
public enum Pooling implements ConfigValue {
    /** The mean over the input's tokens, as sentence-transformers models are trained. */
    MEAN("mean"),
    /** The first token's vector, BERT's {@code [CLS]}. */
    CLS("cls"),
    /** The last token's vector, for decoder-style embedding models. */
    LAST("last");

    private final String configName;

    Pooling(String configName) {
        this.configName = configName;
    }

    /** The value as written in the configuration, e.g. {@code cls}. */
    @Override
    public String configName() {
        return configName;
    }

    @Override
    public String toString() {
        return configName;
    }

    /** Reads a configured value, case-insensitively; the exception message says what is allowed. */
    static Pooling fromConfigName(String text) {
        return ConfigValues.parse(Pooling.class, text);
    }
}
