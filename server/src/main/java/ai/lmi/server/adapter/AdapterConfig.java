package ai.lmi.server.adapter;

import java.nio.file.Path;
import java.util.List;

/**
 * What a PEFT LoRA adapter's {@code adapter_config.json} says that serving needs. The worker checks the tensors of
 * {@code adapter_model.safetensors} against it.
 *
 * @param rank PEFT's {@code r}
 * @param alpha PEFT's {@code lora_alpha}: the update is scaled by alpha / rank, or alpha / sqrt(rank) with rsLoRA
 * @param targetModules the projections it adapts, among {@link #SERVED_MODULES}
 * @param baseModel PEFT's {@code base_model_name_or_path}, null when absent
 */
public record AdapterConfig(int rank, double alpha, List<String> targetModules, boolean useRslora, String baseModel) {

    /** The projections of a Llama-style decoder layer that an adapter may target. */
    public static final List<String> SERVED_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public AdapterConfig {
        targetModules = List.copyOf(targetModules);
    }

    /**
     * Reads and checks {@code dir}'s {@code adapter_config.json}, and that {@code adapter_model.safetensors} is
     * there. A field PEFT writes with its default may be absent.
     *
     * @param name the adapter's name, for the messages
     * @throws AdapterException naming the file, the field and what is allowed
     */
    public static AdapterConfig read(String name, Path dir, int maxLoraRank) {
        return new AdapterConfigReader(name, dir, maxLoraRank).read();
    }
}
