package ai.lmi.server.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AdapterConfigTest {

    private static final String MODULES = "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj";

    @TempDir
    Path tempDir;

    @Test
    void readsWhatPeftWrites() {
        AdapterConfig config = AdapterConfig.read("sql", PeftAdapters.write(tempDir.resolve("sql")), 16);

        assertEquals(new AdapterConfig(8, 16.0, List.of("q_proj", "v_proj"), false, "TinyLlama/TinyLlama-1.1B"),
                config);
    }

    @Test
    void absentFieldsTakePeftsDefaults() {
        Path dir = PeftAdapters.write(tempDir.resolve("bare"), "{\"target_modules\": [\"o_proj\", \"down_proj\"]}");

        AdapterConfig config = AdapterConfig.read("bare", dir, 16);

        assertEquals(8, config.rank());
        assertEquals(8.0, config.alpha());
        assertEquals(List.of("o_proj", "down_proj"), config.targetModules());
        assertFalse(config.useRslora());
        assertNull(config.baseModel());
    }

    @Test
    void readsRsloraAndARankUpToTheLimit() {
        Path dir = PeftAdapters.write(tempDir.resolve("wide"),
                "{\"r\": 16, \"lora_alpha\": 32.5, \"use_rslora\": true, \"target_modules\": [\"gate_proj\"],"
                        + " \"modules_to_save\": [], \"bias\": null}");

        AdapterConfig config = AdapterConfig.read("wide", dir, 16);

        assertEquals(16, config.rank());
        assertEquals(32.5, config.alpha());
        assertTrue(config.useRslora());
    }

    static Stream<Arguments> invalidFields() {
        String prefix = "adapter 'x': adapter_config.json field ";
        String modules = "must be a non-empty list of some of " + MODULES;
        return Stream.of(
                Arguments.of("r", "64", prefix + "r is 64, more than option.max_lora_rank 16"),
                Arguments.of("r", "0", prefix + "r is 0, must be a positive integer"),
                Arguments.of("r", "8.5", prefix + "r is 8.5, must be a positive integer"),
                Arguments.of("r", "\"8\"", prefix + "r is \"8\", must be a positive integer"),
                Arguments.of("lora_alpha", "-1", prefix + "lora_alpha is -1, must be a positive number"),
                Arguments.of("target_modules", null, prefix + "target_modules is missing; it " + modules),
                Arguments.of("target_modules", "\".*proj\"",
                        prefix + "target_modules is \".*proj\", a regular expression, which is not served; it "
                                + modules),
                Arguments.of("target_modules", "[]", prefix + "target_modules is [], " + modules),
                Arguments.of("target_modules", "[\"q_proj\", \"lm_head\"]",
                        prefix + "target_modules has \"lm_head\", which is not served; it " + modules),
                Arguments.of("bias", "\"all\"",
                        prefix + "bias is \"all\", must be \"none\" (trained bias terms are not served)"),
                Arguments.of("fan_in_fan_out", "true", prefix + "fan_in_fan_out is true, must be false (not served)"),
                Arguments.of("use_dora", "true", prefix + "use_dora is true, must be false (not served)"),
                Arguments.of("modules_to_save", "[\"lm_head\"]", prefix + "modules_to_save is [\"lm_head\"], "
                        + "must be null or [] (fully trained modules are not served)"),
                Arguments.of("peft_type", "\"IA3\"",
                        prefix + "peft_type is \"IA3\", must be \"LORA\" (only LoRA adapters are served)"),
                Arguments.of("use_rslora", "\"yes\"", prefix + "use_rslora is \"yes\", must be true or false"),
                Arguments.of("base_model_name_or_path", "7",
                        prefix + "base_model_name_or_path is 7, must be a string"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("invalidFields")
    void anInvalidFieldIsRefusedNamingTheFileTheFieldAndWhatIsAllowed(String field, String json, String message) {
        Path dir = PeftAdapters.write(tempDir.resolve("x"), PeftAdapters.configWith(field, json));

        AdapterException e = assertThrows(AdapterException.class, () -> AdapterConfig.read("x", dir, 16));

        assertEquals(message, e.getMessage());
    }

    @Test
    void aMissingDirectoryIsRefused() {
        Path dir = tempDir.resolve("absent");

        AdapterException e = assertThrows(AdapterException.class, () -> AdapterConfig.read("x", dir, 16));

        assertEquals("adapter 'x': " + dir + " is not a directory", e.getMessage());
    }

    @Test
    void aDirectoryWithoutTheConfigIsRefused() throws IOException {
        Path dir = Files.createDirectories(tempDir.resolve("empty"));

        AdapterException e = assertThrows(AdapterException.class, () -> AdapterConfig.read("x", dir, 16));

        assertEquals("adapter 'x': " + dir + " has no adapter_config.json; a PEFT LoRA adapter directory holds "
                + "adapter_config.json and adapter_model.safetensors", e.getMessage());
    }

    @Test
    void aDirectoryWithoutSafetensorsIsRefusedNamingAPickleFileWhenThereIsOne() throws IOException {
        Path dir = PeftAdapters.write(tempDir.resolve("old"));
        Files.delete(dir.resolve("adapter_model.safetensors"));

        AdapterException e = assertThrows(AdapterException.class, () -> AdapterConfig.read("x", dir, 16));
        assertEquals("adapter 'x': " + dir + " has no adapter_model.safetensors", e.getMessage());

        Files.writeString(dir.resolve("adapter_model.bin"), "pickle");
        e = assertThrows(AdapterException.class, () -> AdapterConfig.read("x", dir, 16));
        assertEquals("adapter 'x': " + dir + " has no adapter_model.safetensors; adapter_model.bin is not read: "
                + "save the adapter with safe_serialization=True", e.getMessage());
    }

    @Test
    void aConfigThatIsNotAJsonObjectIsRefused() {
        Path broken = PeftAdapters.write(tempDir.resolve("broken"), "{\"r\": 8,");
        AdapterException e = assertThrows(AdapterException.class, () -> AdapterConfig.read("x", broken, 16));
        assertTrue(e.getMessage().startsWith("adapter 'x': adapter_config.json is not valid JSON: "), e.getMessage());

        Path list = PeftAdapters.write(tempDir.resolve("list"), "[]");
        e = assertThrows(AdapterException.class, () -> AdapterConfig.read("x", list, 16));
        assertEquals("adapter 'x': adapter_config.json must hold a JSON object", e.getMessage());
    }
}
