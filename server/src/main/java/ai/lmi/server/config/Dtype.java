package ai.lmi.server.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The data type of the model's weights and activations ({@code option.dtype}). */
public enum Dtype {
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
    public String configName() {
        return names.get(0);
    }

    @Override
    public String toString() {
        return configName();
    }

    /** Reads a configured value or alias, case-insensitively; the exception says what is allowed. */
    static Dtype fromConfigName(String text) {
        String name = text.toLowerCase(Locale.ROOT);
        for (Dtype value : values()) {
            if (value.names.contains(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("must be one of "
                + Arrays.stream(values()).flatMap(value -> value.names.stream()).collect(Collectors.joining(", ")));
    }
}
