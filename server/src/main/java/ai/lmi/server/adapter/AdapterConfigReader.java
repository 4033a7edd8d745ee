package ai.lmi.server.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** One read of a PEFT adapter directory, for {@link AdapterConfig#read}; every refusal names the field. */
final class AdapterConfigReader {

    static final String CONFIG_FILE = "adapter_config.json";
    static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    // PEFT's defaults, which its save_pretrained writes out; a hand-written file may leave them out.
    private static final int PEFT_DEFAULT_RANK = 8;
    private static final double PEFT_DEFAULT_ALPHA = 8;

    private final String name;
    private final Path dir;
    private final int maxLoraRank;

    AdapterConfigReader(String name, Path dir, int maxLoraRank) {
        this.name = name;
        this.dir = dir;
        this.maxLoraRank = maxLoraRank;
    }

    AdapterConfig read() {
        JsonNode config = configFile();
        requireWeightsFile();
        requireText(config, "peft_type", "LORA", "only LoRA adapters are served");
        requireText(config, "bias", "none", "trained bias terms are not served");
        requireFalse(config, "fan_in_fan_out");
        requireFalse(config, "use_dora");
        optional(config, "modules_to_save", value -> value.isArray() && value.isEmpty(),
                "must be null or [] (fully trained modules are not served)");
        return new AdapterConfig(rank(config), alpha(config), targetModules(config), useRslora(config),
                baseModel(config));
    }

    private JsonNode configFile() {
        if (!Files.isDirectory(dir)) {
            throw error(dir + " is not a directory");
        }
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw error(dir + " has no " + CONFIG_FILE + "; a PEFT LoRA adapter directory holds " + CONFIG_FILE
                    + " and " + WEIGHTS_FILE);
        }
        JsonNode config;
        try {
            config = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw error(CONFIG_FILE + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new AdapterException("adapter '" + name + "': cannot read " + file + ": " + e.getMessage(), e);
        }
        if (config == null || !config.isObject()) {
            throw error(CONFIG_FILE + " must hold a JSON object");
        }
        return config;
    }

    private void requireWeightsFile() {
        if (Files.isRegularFile(dir.resolve(WEIGHTS_FILE))) {
            return;
        }
        String pickleHint = Files.exists(dir.resolve("adapter_model.bin"))
                ? "; adapter_model.bin is not read: save the adapter with safe_serialization=True"
                : "";
        throw error(dir + " has no " + WEIGHTS_FILE + pickleHint);
    }

    private int rank(JsonNode config) {
        JsonNode r = optional(config, "r", value -> value.canConvertToExactIntegral() && value.asLong() >= 1,
                "must be a positive integer");
        if (r == null) {
            return PEFT_DEFAULT_RANK;
        }
        if (r.asLong() > maxLoraRank) {
            throw fieldError("r", r, "more than option.max_lora_rank " + maxLoraRank);
        }
        return r.asInt();
    }

    private double alpha(JsonNode config) {
        JsonNode alpha = optional(config, "lora_alpha",
                value -> value.isNumber() && value.doubleValue() > 0 && Double.isFinite(value.doubleValue()),
                "must be a positive number");
        return alpha == null ? PEFT_DEFAULT_ALPHA : alpha.doubleValue();
    }

    private List<String> targetModules(JsonNode config) {
        JsonNode modules = config.get("target_modules");
        String allowed = "must be a non-empty list of some of " + String.join(", ", AdapterConfig.SERVED_MODULES);
        if (!present(modules)) {
            throw error(CONFIG_FILE + " field target_modules is missing; it " + allowed);
        }
        if (modules.isTextual()) {
            throw fieldError("target_modules", modules, "a regular expression, which is not served; it " + allowed);
        }
        if (!modules.isArray() || modules.isEmpty()) {
            throw fieldError("target_modules", modules, allowed);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode module : modules) {
            if (!module.isTextual() || !AdapterConfig.SERVED_MODULES.contains(module.textValue())) {
                throw error(CONFIG_FILE + " field target_modules has " + module + ", which is not served; it "
                        + allowed);
            }
            names.add(module.textValue());
        }
        return names;
    }

    private boolean useRslora(JsonNode config) {
        JsonNode rslora = optional(config, "use_rslora", JsonNode::isBoolean, "must be true or false");
        return rslora != null && rslora.booleanValue();
    }

    private String baseModel(JsonNode config) {
        JsonNode base = optional(config, "base_model_name_or_path", JsonNode::isTextual, "must be a string");
        return base == null ? null : base.textValue();
    }

    private void requireText(JsonNode config, String field, String only, String why) {
        optional(config, field, value -> value.isTextual() && value.textValue().equals(only),
                "must be \"" + only + "\" (" + why + ")");
    }

    private void requireFalse(JsonNode config, String field) {
        optional(config, field, value -> value.isBoolean() && !value.booleanValue(), "must be false (not served)");
    }

    /** The field's value, or null when absent or null (its default); a value {@code valid} refuses is an error. */
    private JsonNode optional(JsonNode config, String field, Predicate<JsonNode> valid, String allowed) {
        JsonNode value = config.get(field);
        if (!present(value)) {
            return null;
        }
        if (!valid.test(value)) {
            throw fieldError(field, value, allowed);
        }
        return value;
    }

    private static boolean present(JsonNode value) {
        return value != null && !value.isNull();
    }

    private AdapterException fieldError(String field, JsonNode value, String allowed) {
        return error(CONFIG_FILE + " field " + field + " is " + value + ", " + allowed);
    }

    private AdapterException error(String what) {
        return new AdapterException("adapter '" + name + "': " + what);
    }
}
