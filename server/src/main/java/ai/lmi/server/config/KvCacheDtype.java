package ai.lmi.server.config;

import java.util.List;
import java.util.stream.Stream;

/** The data type the KV cache stores K and V in ({@code option.kv_cache_dtype}). */
public enum KvCacheDtype implements ConfigValue {
    /** The model's compute dtype ({@code option.dtype}). */
    AUTO,
    /** Half the bytes of a float32 cache: K and V are rounded to float16 as they are written. */
    FLOAT16("fp16");

    private final List<String> aliases;

    KvCacheDtype(String... aliases) {
        this.aliases = List.of(aliases);
    }

    /** The canonical name, then the short one. */
    @Override
    public List<String> spellings() {
        return Stream.concat(Stream.of(configName()), aliases.stream()).toList();
    }
}
