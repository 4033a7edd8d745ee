package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step batch refuses arrays that do not fit together. */
class StepBatchTest {

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
