package ai.lmi.server.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** What a loaded engine can hold (the {@code loaded} message's capacity): the limits the scheduler plans with. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkerCapacity(
        @JsonProperty("num_blocks") int numBlocks,
        @JsonProperty("block_size") int blockSize,
        @JsonProperty("max_model_len") int maxModelLen,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("eos_token_ids") List<Integer> eosTokenIds,
        @JsonProperty("bos_token_id") int bosTokenId,
        @JsonProperty("dtype") String dtype,
        @JsonProperty("device") String device,
        @JsonProperty("architecture") String architecture,
        @JsonProperty("num_layers") int numLayers,
        @JsonProperty("kv_bytes_per_block") long kvBytesPerBlock,
        @JsonProperty("weight_bytes") long weightBytes,
        @JsonProperty("quantization") String quantization) {

    public WorkerCapacity {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The bytes the whole KV cache takes on the device. */
    public long kvCacheBytes() {
        return numBlocks * kvBytesPerBlock;
    }
}
