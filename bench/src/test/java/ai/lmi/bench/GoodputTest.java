package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GoodputTest {

    // TTFT 100 ms, TPOT 20 ms, e2el 140 ms.
    private static final RequestRecord FAST = Timelines.completed(0, 8, 3, 100, 120, 140);
    // TTFT 300 ms, TPOT 50 ms, e2el 400 ms.
    private static final RequestRecord SLOW_START = Timelines.completed(0, 8, 3, 300, 350, 400);
    // TTFT 50 ms, TPOT 100 ms, e2el 250 ms.
    private static final RequestRecord SLOW_DECODE = Timelines.completed(0, 8, 3, 50, 150, 250);

    @Test
    void aRequestIsGoodWhenItMeetsEveryGivenLimit() throws UsageException {
        Goodput limits = Goodput.parse("ttft:200,tpot:60");
        assertTrue(limits.isGood(FAST));
        assertFalse(limits.isGood(SLOW_START), "TTFT 300 > 200");
        assertFalse(limits.isGood(SLOW_DECODE), "TPOT 100 > 60");
    }

    @Test
    void limitsNotGivenDoNotApply() throws UsageException {
        Goodput e2elOnly = Goodput.parse("e2el:300");
        assertNull(e2elOnly.ttftMs());
        assertTrue(e2elOnly.isGood(SLOW_DECODE));
        assertFalse(e2elOnly.isGood(SLOW_START));
    }

    @Test
    void failedRequestsAreNeverGoodAndOneTokenPassesTpot() throws UsageException {
        Goodput limits = Goodput.parse("tpot:1");
        assertFalse(limits.isGood(Timelines.failed(0, 5, RequestError.http(500, "boom"))));
        assertTrue(limits.isGood(Timelines.completed(0, 8, 1, 30)));
    }

    @Test
    void goodputIsGoodRequestsPerSecondAndTheirFractionOfAllSent() throws UsageException {
        List<RequestRecord> records = List.of(FAST, SLOW_START, SLOW_DECODE,
                Timelines.failed(0, 10, RequestError.http(400, "bad")));
        Goodput.Result result = Goodput.parse("ttft:200, tpot:60, e2el:1000").measure(records, 2.0);
        assertEquals(1, result.goodRequests());
        assertEquals(0.5, result.requestsPerSecond(), 1e-12);
        assertEquals(0.25, result.fraction(), 1e-12);
    }

    @Test
    void badSpecsNameTheFlag() {
        for (String spec : List.of("ttft", "ttft:abc", "ttft:-5", "latency:10", "ttft:10,")) {
            UsageException e = assertThrows(UsageException.class, () -> Goodput.parse(spec), spec);
            assertTrue(e.getMessage().startsWith("--goodput"), e.getMessage());
        }
    }
}
