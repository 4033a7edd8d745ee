package ai.lmi.server.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.worker.SamplingParams;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request's stopping parameters are checked on construction, naming the bad field. */
class RequestParamsTest {

    @Test
    void greedyIsTheWorkersGreedyWithNothingElse() {
        RequestParams params = RequestParams.greedy(16);
        assertEquals(new RequestParams(SamplingParams.greedy(), 16, false, List.of()), params);
        assertTrue(params.sampling().isGreedy());
    }

    @Test
    void badValuesAreRejectedByName() {
        IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class, () -> RequestParams.greedy(0));
        assertEquals("maxNewTokens must be >= 1, got 0", tooFew.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> RequestParams.greedy(4).withStopTokenIds(List.of(3, -1)));
        assertTrue(negative.getMessage().startsWith("stopTokenIds must be non-negative"), negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> RequestParams.greedy(4).withStopTokenIds(Arrays.asList(3, null)));
    }

    @Test
    void stopTokenIdsAreCopied() {
        List<Integer> ids = new java.util.ArrayList<>(List.of(5));
        RequestParams params = RequestParams.greedy(4).withStopTokenIds(ids);
        ids.add(6);
        assertEquals(List.of(5), params.stopTokenIds());
    }
}
