package ai.lmi.server.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    private static void assertRejected(String field, UnaryOperator<SamplingParams.Builder> change) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> change.apply(SamplingParams.builder(16)).build());
        assertTrue(error.getMessage().startsWith(field + " must be"), error.getMessage());
    }

    @Test
    void namesTheFieldThatIsOutOfRange() {
        assertRejected("temperature", b -> b.temperature(-0.1));
        assertRejected("temperature", b -> b.temperature(Double.NaN));
        assertRejected("topK", b -> b.topK(-1));
        assertRejected("topP", b -> b.topP(0));
        assertRejected("topP", b -> b.topP(1.5));
        assertRejected("minP", b -> b.minP(1.1));
        assertRejected("repetitionPenalty", b -> b.repetitionPenalty(0));
        assertRejected("presencePenalty", b -> b.presencePenalty(2.5));
        assertRejected("frequencyPenalty", b -> b.frequencyPenalty(-3));
        assertRejected("seed", b -> b.seed(-2));
        assertRejected("topLogprobs", b -> b.topLogprobs(-1));
        assertRejected("maxNewTokens", b -> b.maxNewTokens(0));
        assertRejected("stopTokenIds", b -> b.stopTokenIds(List.of(3, -1)));
        assertRejected("stopTokenIds", b -> b.stopTokenIds(Arrays.asList(3, null)));
    }

    @Test
    void defaultsToGreedyWithEverythingOff() {
        SamplingParams params = SamplingParams.greedy(16);
        assertEquals(new SamplingParams(0, 0, 1, 0, 1, 0, 0, SamplingParams.NO_SEED, 0, false, 16, false, List.of()),
                params);
    }

    @Test
    void aRequestNeedsAPromptOfTokenIds() {
        SamplingParams params = SamplingParams.greedy(1);
        assertThrows(IllegalArgumentException.class, () -> new Request(1, new int[0], params));
        assertThrows(IllegalArgumentException.class, () -> new Request(1, new int[] {3, -1}, params));
    }
}
