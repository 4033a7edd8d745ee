package ai.lmi.server.model;

/**
 * What a generative model's worker holds in device memory, as it reported when it loaded.
 *
 * @param weightBytes  the weights as stored: embeddings, norms and projections, quantized or not
 * @param kvCacheBytes  the whole paged KV cache
 * @param kvCacheTokens the tokens it holds: blocks × block size (a float16 cache holds twice a float32 one's)
 * @param quantization  how the projections are stored: {@code none} for the checkpoint's float weights
 */
public record ModelMemory(long weightBytes, long kvCacheBytes, long kvCacheTokens, String quantization) {}
