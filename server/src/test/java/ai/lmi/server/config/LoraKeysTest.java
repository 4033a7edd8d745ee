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
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraKeysTest {

    @TempDir
    Path modelDir;

    @Test
    void loraIsOffByDefault() {
        ServingConfig config = ServingConfigLoader.load(List.of(), Map.of());

        assertFalse(config.enableLora());
        assertEquals(4, config.maxLoras());
        assertEquals(16, config.maxLoraRank());
        assertEquals(Optional.empty(), config.adapters());
    }

    @Test
    void everyLoraKeyFromItsSources() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--option.enable_lora", "true", "--option.max_loras", "2", "--option.adapters", "/srv/loras"),
                Map.of("OPTION_MAX_LORA_RANK", "64"));

        assertTrue(config.enableLora());
        assertEquals(2, config.maxLoras());
        assertEquals(64, config.maxLoraRank());
        assertEquals(Optional.of(Path.of("/srv/loras")), config.adapters());
    }

    @Test
    void adaptersWithoutLoraStopTheStartNamingBothKeys() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServingConfigLoader.load(List.of("--option.adapters", "/srv/loras"), Map.of()));

        assertEquals("option.adapters=/srv/loras (from command line): needs option.enable_lora=true, and "
                + "option.enable_lora is false (from default)", e.getMessage());
    }

    @Test
    void theModelDirectorysAdaptersAreTheDefaultWithLoraOn() throws IOException {
        Path adapters = Files.createDirectories(modelDir.resolve("adapters"));

        ServingConfig config = ServingConfigLoader.load(
                List.of("--model", modelDir.toString(), "--option.enable_lora", "true"), Map.of());

        assertEquals(Optional.of(adapters), config.adapters());
        assertEquals(Map.of("value", adapters.toString(), "source", "derived from option.model_id"),
                config.toMap().get("option.adapters"));
    }

    @Test
    void theModelDirectorysAdaptersAreNotLoadedWithLoraOff() throws IOException {
        Files.createDirectories(modelDir.resolve("adapters"));

        ServingConfig config = ServingConfigLoader.load(List.of("--model", modelDir.toString()), Map.of());

        assertEquals(Optional.empty(), config.adapters());
    }

    @Test
    void withoutAnAdaptersDirectoryThereIsNoDefault() {
        ServingConfig config = ServingConfigLoader.load(
                List.of("--model", modelDir.toString(), "--option.enable_lora", "true"), Map.of());

        assertEquals(Optional.empty(), config.adapters());
    }
}
