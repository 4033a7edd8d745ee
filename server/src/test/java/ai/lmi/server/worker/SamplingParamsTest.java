package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    @Test
    void theDefaultsAreThePythonOnes() {
        SamplingParams p = SamplingParams.greedy();
        assertEquals(new SamplingParams(0, 0, 1, 0, 1, 0, 0, -1, 0, false), p);
        assertTrue(p.isGreedy());
    }

    @Test
    void anOutOfRangeValueIsRejectedByName() {
        assertEquals("topP 1.5 must be in (0, 1]", assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().topP(1.5f).build()).getMessage());
        assertEquals("temperature -1.0 must be >= 0", assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().temperature(-1).build()).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().temperature(Float.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topK(-1).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topP(0).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().minP(1.01f).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().repetitionPenalty(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().presencePenalty(Float.POSITIVE_INFINITY).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topLogprobs(-1).build());
    }

    @Test
    void aStepBatchChecksThatItsArraysFitTogether() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StepBatch(
                new long[] {1}, new int[] {0}, new int[] {0, 3}, new int[] {1, 2}, new int[] {0, 1}, new int[] {4},
                new boolean[] {true}, List.of(), new long[0]));
        assertEquals("tokenOffsets must run from 0 to 2, not from 0 to 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StepBatch(new long[] {1}, new int[0], new int[] {0, 1},
                new int[] {1}, new int[] {0, 1}, new int[] {4}, new boolean[] {true}, List.of(), new long[0]));
    }
}
