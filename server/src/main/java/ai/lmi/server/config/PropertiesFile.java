package ai.lmi.server.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/** A serving.properties file in Java properties syntax, read as UTF-8. */
final class PropertiesFile {

    private PropertiesFile() {}

    /** The file's entries, sorted by key; throws ConfigException when it cannot be read. */
    static Map<String, ConfigEntry> read(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: a malformed backslash-u escape.
            throw new ConfigException(file + ": cannot be read: " + e.getMessage());
        }
        ConfigSource source = ConfigSource.file(file);
        Map<String, ConfigEntry> entries = new LinkedHashMap<>();
        // Properties keeps no order; sorting makes warnings come out the same way every time.
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            entries.put(key, new ConfigEntry(key, properties.getProperty(key), source));
        }
        return Collections.unmodifiableMap(entries);
    }
}
