package ai.lmi.server.config;

import java.util.List;

/** The data type of the model's weights and activations ({@code option.dtype}). */
public enum Dtype implements ConfigValue {
    /** The checkpoint's own dtype, as the worker reads it from config.json. */
    AUTO("auto"),
    FLOAT32("float32", "fp32"),
    FLOAT16("float16", "fp16"),
    BFLOAT16("bfloat16", "bf16");

    private final List<String> names;

    Dtype(String... names) {
        this.names = List.of(names);
    }

    /** The canonical name, e.g. {@code bfloat16} for {@code bf16}. */
    @Override
    public String configName() {
        return names.get(0);
    }

    @Override
    public String toString() {
        return configName();
    }

    @Override
    public List<String> spellings() {
        return names;
    }

    /** Reads a configured value or alias, case-insensitively; the exception says what is allowed. */
    static Dtype fromConfigName(String text) {
        return ConfigValues.parse(Dtype.class, text);
    }
}
