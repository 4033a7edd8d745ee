package ai.lmi.server.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What a loaded engine can hold (the {@code loaded} message's capacity): the limits the scheduler plans with. A
 * tensor-parallel group's rank 0 reports the group's: its byte counts are the totals over every rank.
 */
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
        @JsonProperty("quantization") String quantization,
        @JsonProperty("tensor_parallel_degree") int tensorParallelDegree) {

    public WorkerCapacity {
        eosTokenIds = List.copyOf(eosTokenIds);
        // Absent (read as 0) from a worker that predates tensor parallelism: it always ran as one rank.
        if (tensorParallelDegree == 0) {
            tensorParallelDegree = 1;
        }
    }

    /** The bytes the whole KV cache takes on the device. */
    public long kvCacheBytes() {
        return numBlocks * kvBytesPerBlock;
    }
}
