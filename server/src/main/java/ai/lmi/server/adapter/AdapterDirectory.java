package ai.lmi.server.adapter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapters a directory holds in LMI's {@code option.adapters} layout: each subdirectory with an
 * {@code adapter_config.json} is one adapter, named after the subdirectory.
 */
public final class AdapterDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(AdapterDirectory.class);

    private AdapterDirectory() {}

    /**
     * The adapters in {@code dir} by name, sorted; none when {@code dir} does not exist. A subdirectory without
     * {@code adapter_config.json} is skipped with a warning, and plain files are ignored.
     *
     * @throws AdapterException when {@code dir} is a file or cannot be listed
     */
    public static Map<String, Path> scan(Path dir) {
        if (!Files.exists(dir)) {
            return Map.of();
        }
        if (!Files.isDirectory(dir)) {
            throw new AdapterException("the adapters directory " + dir + " is a file, not a directory");
        }
        Map<String, Path> adapters = new TreeMap<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(Files::isDirectory).forEach(subdir -> {
                if (Files.isRegularFile(subdir.resolve(AdapterConfigReader.CONFIG_FILE))) {
                    adapters.put(subdir.getFileName().toString(), subdir);
                } else {
                    LOG.warn("{} has no {}: it is not loaded as an adapter", subdir, AdapterConfigReader.CONFIG_FILE);
                }
            });
        } catch (IOException e) {
            throw new AdapterException("cannot list the adapters directory " + dir + ": " + e.getMessage(), e);
        }
        return Collections.unmodifiableMap(adapters);
    }
}
