package ai.lmi.server.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * What the worker's engine loads and how much memory it may use: the {@code load} message's options
 * (lmi_worker.engine.options.EngineOptions; the worker rejects unknown fields).
 *
 * @param maxModelLen          null: the model's max_position_embeddings
 * @param kvCacheBytes         KV-cache budget; null: a share of free memory (CPU) or of the GPU's
 * @param gpuMemoryUtilization CUDA: share of device memory for weights and KV cache
 * @param maxLoras             LoRA adapter slots, adapters in one batch at most; 0: the model serves none
 * @param maxLoraRank          the largest adapter rank the slots hold
 * @param quantize             how to store the projections (int8, fp8, gptq, awq); null: as the checkpoint says
 * @param kvCacheDtype         the KV cache's dtype (float16); null: the compute dtype
 * @param speculativeDraftModel a smaller model with the same tokenizer proposing speculative drafts; null: none
 */
public record EngineOptions(
        @JsonProperty("model_dir") String modelDir,
        @JsonProperty("dtype") String dtype,
        @JsonProperty("device") String device,
        @JsonProperty("max_model_len") Integer maxModelLen,
        @JsonProperty("block_size") int blockSize,
        @JsonProperty("kv_cache_bytes") Long kvCacheBytes,
        @JsonProperty("gpu_memory_utilization") double gpuMemoryUtilization,
        @JsonProperty("max_num_seqs") int maxNumSeqs,
        @JsonProperty("max_loras") int maxLoras,
        @JsonProperty("max_lora_rank") int maxLoraRank,
        @JsonProperty("quantize") @JsonInclude(JsonInclude.Include.NON_NULL) String quantize,
        @JsonProperty("kv_cache_dtype") @JsonInclude(JsonInclude.Include.NON_NULL) String kvCacheDtype,
        @JsonProperty("speculative_draft_model") @JsonInclude(JsonInclude.Include.NON_NULL)
        String speculativeDraftModel) {

    public EngineOptions {
        Objects.requireNonNull(modelDir, "model_dir");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
        if (maxModelLen != null && maxModelLen <= 0) {
            throw new IllegalArgumentException("max_model_len " + maxModelLen + " must be positive");
        }
        if (blockSize <= 0) {
            throw new IllegalArgumentException("block_size " + blockSize + " must be positive");
        }
        if (kvCacheBytes != null && kvCacheBytes <= 0) {
            throw new IllegalArgumentException("kv_cache_bytes " + kvCacheBytes + " must be positive");
        }
        if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
            throw new IllegalArgumentException("gpu_memory_utilization " + gpuMemoryUtilization
                    + " must be in (0, 1]");
        }
        if (maxNumSeqs <= 0) {
            throw new IllegalArgumentException("max_num_seqs " + maxNumSeqs + " must be positive");
        }
        if (maxLoras < 0) {
            throw new IllegalArgumentException("max_loras " + maxLoras + " must be >= 0");
        }
        if (maxLoraRank <= 0) {
            throw new IllegalArgumentException("max_lora_rank " + maxLoraRank + " must be positive");
        }
    }

    /** The worker's defaults for the model in {@code modelDir}. */
    public static EngineOptions forModel(String modelDir) {
        return new EngineOptions(modelDir, "auto", "auto", null, 16, null, 0.9, 256, 0, 16, null, null, null);
    }

    public EngineOptions withDtype(String value) {
        return new EngineOptions(modelDir, value, device, maxModelLen, blockSize, kvCacheBytes,
                gpuMemoryUtilization, maxNumSeqs, maxLoras, maxLoraRank, quantize, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withDevice(String value) {
        return new EngineOptions(modelDir, dtype, value, maxModelLen, blockSize, kvCacheBytes,
                gpuMemoryUtilization, maxNumSeqs, maxLoras, maxLoraRank, quantize, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withMaxModelLen(Integer value) {
        return new EngineOptions(modelDir, dtype, device, value, blockSize, kvCacheBytes, gpuMemoryUtilization,
                maxNumSeqs, maxLoras, maxLoraRank, quantize, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withBlockSize(int value) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, value, kvCacheBytes, gpuMemoryUtilization,
                maxNumSeqs, maxLoras, maxLoraRank, quantize, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withKvCacheBytes(Long value) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, blockSize, value, gpuMemoryUtilization,
                maxNumSeqs, maxLoras, maxLoraRank, quantize, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withGpuMemoryUtilization(double value) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, blockSize, kvCacheBytes, value,
                maxNumSeqs, maxLoras, maxLoraRank, quantize, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withMaxNumSeqs(int value) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, blockSize, kvCacheBytes,
                gpuMemoryUtilization, value, maxLoras, maxLoraRank, quantize, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withQuantize(String value) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, blockSize, kvCacheBytes,
                gpuMemoryUtilization, maxNumSeqs, maxLoras, maxLoraRank, value, kvCacheDtype, speculativeDraftModel);
    }

    public EngineOptions withKvCacheDtype(String value) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, blockSize, kvCacheBytes,
                gpuMemoryUtilization, maxNumSeqs, maxLoras, maxLoraRank, quantize, value, speculativeDraftModel);
    }

    public EngineOptions withSpeculativeDraftModel(String value) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, blockSize, kvCacheBytes,
                gpuMemoryUtilization, maxNumSeqs, maxLoras, maxLoraRank, quantize, kvCacheDtype, value);
    }

    /** LoRA slots for {@code slots} adapters of rank at most {@code maxRank}; 0 slots: no adapters. */
    public EngineOptions withLora(int slots, int maxRank) {
        return new EngineOptions(modelDir, dtype, device, maxModelLen, blockSize, kvCacheBytes,
                gpuMemoryUtilization, maxNumSeqs, slots, maxRank, quantize, kvCacheDtype, speculativeDraftModel);
    }
}
