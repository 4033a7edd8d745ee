package ai.lmi.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PropertiesFileTest {

    @TempDir
    Path tempDir;

    @Test
    void commentsWhitespaceAndSeparators() throws IOException {
        Path file = Files.writeString(tempDir.resolve("serving.properties"), String.join("\n",
                "# a comment",
                "! another comment",
                "",
                "   option.rolling_batch = lmi-dist",
                "option.dtype:bf16",
                "option.block_size 32",
                "\toption.max_model_len=4096   ",
                "model_name=llämä",
                "option.python_executable=/usr/bin/\\",
                "    python3",
                "job_queue_size=10 # not a comment",
                ""));

        Map<String, ConfigEntry> entries = PropertiesFile.read(file);

        assertEquals(List.of("job_queue_size", "model_name", "option.block_size", "option.dtype",
                "option.max_model_len", "option.python_executable", "option.rolling_batch"),
                List.copyOf(entries.keySet()));
        assertEquals("lmi-dist", entries.get("option.rolling_batch").value());
        assertEquals("bf16", entries.get("option.dtype").value());
        assertEquals("32", entries.get("option.block_size").value());
        assertEquals("4096   ", entries.get("option.max_model_len").value());
        assertEquals("llämä", entries.get("model_name").value());
        assertEquals("/usr/bin/python3", entries.get("option.python_executable").value());
        assertEquals("10 # not a comment", entries.get("job_queue_size").value());
        assertEquals(ConfigSource.file(file), entries.get("option.dtype").source());
    }

    @Test
    void loaderUsesTheFileTrimmedAndTyped() throws IOException {
        Files.writeString(tempDir.resolve("serving.properties"), String.join("\n",
                "# LMI settings",
                "option.rolling_batch = auto",
                "option.max_model_len=4096   ",
                "option.enable_prefix_caching = FALSE",
                "option.kv_cache_bytes=4g",
                "model_name=llämä"));

        ServingConfig config = ServingConfigLoader.load(List.of("--model", tempDir.toString()), Map.of());

        assertEquals(RollingBatch.LMI_DIST, config.rollingBatch());
        assertTrue(PrecedenceTest.source(config, "option.rolling_batch").startsWith("auto (from " + tempDir),
                PrecedenceTest.source(config, "option.rolling_batch"));
        assertEquals(4096, config.maxModelLen().getAsInt());
        assertFalse(config.enablePrefixCaching());
        assertEquals(4L << 30, config.kvCacheBytes().getAsLong());
        assertEquals("llämä", config.modelName());
    }

    @Test
    void unreadableFileIsAConfigError() throws IOException {
        Path file = Files.writeString(tempDir.resolve("bad.properties"), "key=\\uZZZZ\n");

        ConfigException e = assertThrows(ConfigException.class, () -> PropertiesFile.read(file));

        assertTrue(e.getMessage().startsWith(file + ": cannot be read: "), e.getMessage());
    }
}
