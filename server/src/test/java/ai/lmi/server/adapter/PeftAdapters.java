package ai.lmi.server.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes PEFT adapter directories for tests: an {@code adapter_config.json} and a tensorless safetensors file. */
public final class PeftAdapters {

    /** What PEFT's save_pretrained writes for a rank-8 adapter of the attention projections, trimmed. */
    public static final String CONFIG = """
            {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "TinyLlama/TinyLlama-1.1B",
             "r": 8, "lora_alpha": 16, "lora_dropout": 0.05, "target_modules": ["q_proj", "v_proj"],
             "bias": "none", "fan_in_fan_out": false, "use_rslora": false, "use_dora": false,
             "modules_to_save": null, "inference_mode": true}
            """;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PeftAdapters() {}

    /** {@code dir} (created) with {@link #CONFIG}. */
    public static Path write(Path dir) {
        return write(dir, CONFIG);
    }

    /** {@code dir} (created) with {@code configJson} as its adapter_config.json. */
    public static Path write(Path dir, String configJson) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("adapter_config.json"), configJson);
            Files.write(dir.resolve("adapter_model.safetensors"), emptySafetensors());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** {@link #CONFIG} with one field's JSON value replaced, or the field removed when {@code json} is null. */
    public static String configWith(String field, String json) {
        try {
            ObjectNode config = (ObjectNode) MAPPER.readTree(CONFIG);
            if (json == null) {
                config.remove(field);
            } else {
                config.set(field, MAPPER.readTree(json));
            }
            return config.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // An 8-byte little-endian header length, then the header: no tensors.
    private static byte[] emptySafetensors() {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array();
    }
}
