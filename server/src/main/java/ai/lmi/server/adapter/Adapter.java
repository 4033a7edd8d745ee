package ai.lmi.server.adapter;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A loaded adapter, as requests name it.
 *
 * @param id positive and unique per load: an update gets a new one, so nothing computed with the old weights (a
 *     cached KV block) is taken for the new
 * @param source the PEFT directory its weights were read from
 */
public record Adapter(int id, String name, Path source, AdapterConfig config, long createdEpochSeconds) {

    public Adapter {
        if (id <= 0) {
            throw new IllegalArgumentException("adapter id must be positive, got " + id);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(config, "config");
    }
}
