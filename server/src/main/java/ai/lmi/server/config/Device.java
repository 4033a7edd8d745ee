package ai.lmi.server.config;

/** Where the worker runs the model ({@code option.device}). */
public enum Device implements ConfigValue {
    /** CUDA when the worker's torch sees a GPU, otherwise the CPU. */
    AUTO,
    CPU,
    CUDA
}
