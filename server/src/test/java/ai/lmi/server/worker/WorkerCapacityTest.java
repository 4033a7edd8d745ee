package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.api.Test;

/** The {@code loaded} message's capacity as this side reads it. */
class WorkerCapacityTest {

    private static final String CAPACITY = "{\"num_blocks\": 1024, \"block_size\": 16, \"max_model_len\": 512, "
            + "\"vocab_size\": 32000, \"eos_token_ids\": [2], \"bos_token_id\": 1, \"dtype\": \"float32\", "
            + "\"device\": \"cpu\", \"architecture\": \"LlamaForCausalLM\", \"num_layers\": 2, "
            + "\"kv_bytes_per_block\": 8192, \"weight_bytes\": 16778496, \"quantization\": \"none\"";

    @Test
    void aGroupsRankZeroReportsItsDegree() throws JsonProcessingException {
        assertEquals(2, read(CAPACITY + ", \"tensor_parallel_degree\": 2}").tensorParallelDegree());
    }

    @Test
    void aWorkerThatReportsNoDegreeIsOneRank() throws JsonProcessingException {
        WorkerCapacity capacity = read(CAPACITY + ", \"speculative\": null}");
        assertEquals(1, capacity.tensorParallelDegree());
        assertEquals(8L << 20, capacity.kvCacheBytes());
    }

    private static WorkerCapacity read(String json) throws JsonProcessingException {
        return Frames.JSON.readValue(json, WorkerCapacity.class);
    }
}
