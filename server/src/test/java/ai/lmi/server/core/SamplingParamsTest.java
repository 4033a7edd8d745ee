package ai.lmi.server.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The one sampling-parameters record: its defaults are the worker's, and a bad value is rejected by name. */
class SamplingParamsTest {

    @Test
    void theDefaultsAreThePythonOnes() {
        SamplingParams p = SamplingParams.greedy(16);
        assertEquals(new SamplingParams(16, 0, 0, 1, 0, 1, 0, 0, OptionalLong.empty(), List.of(), List.of(), false,
                0, false, Optional.empty()), p);
        assertTrue(p.isGreedy());
    }

    @Test
    void anOutOfRangeValueIsRejectedByName() {
        assertEquals("topP 1.5 must be in (0, 1]", assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().topP(1.5).build()).getMessage());
        assertEquals("temperature -1.0 must be >= 0", assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().temperature(-1).build()).getMessage());
        assertEquals("maxNewTokens 0 must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.greedy(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().temperature(Double.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topK(-1).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topP(0).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().minP(1.01).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().repetitionPenalty(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().presencePenalty(Double.POSITIVE_INFINITY).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topLogprobs(-1).build());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().stopTokenIds(List.of(3, -1)).build());
        assertTrue(negative.getMessage().startsWith("stopTokenIds [3, -1] must be non-negative"),
                negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().stopTokenIds(Arrays.asList(3, null)).build());
    }

    @Test
    void listsAreCopied() {
        List<Integer> ids = new ArrayList<>(List.of(5));
        List<String> stop = new ArrayList<>(List.of("a"));
        SamplingParams params = SamplingParams.builder().stopTokenIds(ids).stop(stop).build();
        ids.add(6);
        stop.add("b");
        assertEquals(List.of(5), params.stopTokenIds());
        assertEquals(List.of("a"), params.stop());
    }

    @Test
    void moreStopSequencesAreAppendedOnceEach() {
        SamplingParams params = SamplingParams.builder().stop(List.of("a", "b")).addStop(List.of("b", "c")).build();
        assertEquals(List.of("a", "b", "c"), params.stop());
        assertEquals(params, params.toBuilder().build());
    }
}
