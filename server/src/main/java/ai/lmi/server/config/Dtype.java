package ai.lmi.server.config;

import java.util.List;
import java.util.stream.Stream;

/** The data type of the model's weights and activations ({@code option.dtype}). */
public enum Dtype implements ConfigValue {
    /** The checkpoint's own dtype, as the worker reads it from config.json. */
    AUTO,
    FLOAT32("fp32"),
    FLOAT16("fp16"),
    BFLOAT16("bf16");

    private final List<String> aliases;

    Dtype(String... aliases) {
        this.aliases = List.of(aliases);
    }

    /** The canonical name, then the short one, e.g. {@code bfloat16, bf16}. */
    @Override
    public List<String> spellings() {
        return Stream.concat(Stream.of(configName()), aliases.stream()).toList();
    }
}
