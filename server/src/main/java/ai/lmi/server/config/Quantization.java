package ai.lmi.server.config;

/**
 * How lmi-dist stores the projections' weights ({@code option.quantize}); unset, the checkpoint's
 * {@code quantization_config} decides, float when it has none.
 */
public enum Quantization implements ConfigValue {
    /** int8 weight-only, one scale per output channel: quantized at load from a float checkpoint, or pre-quantized. */
    INT8,
    /** FP8 E4M3 with one scale per tensor: quantized at load, or an FP8 checkpoint. */
    FP8,
    /** A GPTQ 4-bit checkpoint (AutoGPTQ's layout). */
    GPTQ,
    /** An AWQ 4-bit checkpoint (AutoAWQ's GEMM layout). */
    AWQ
}
