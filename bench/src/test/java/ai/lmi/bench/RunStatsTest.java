package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunStatsTest {

    private static final double EPSILON = 1e-6;

    @Test
    void latenciesOfOneTimeline() {
        // Sent at 1000 ms; chunks at 1100, 1130, 1170 and 1180 ms.
        RequestRecord record = Timelines.completed(1000, 16, 4, 1100, 1130, 1170, 1180);
        assertEquals(100, record.ttftMs(), EPSILON);
        assertEquals(180, record.e2elMs(), EPSILON);
        assertEquals(80.0 / 3, record.tpotMs().orElseThrow(), EPSILON);
        assertArrayEquals(new double[] {30, 40, 10}, record.itlMs(), EPSILON);
    }

    @Test
    void tpotCountsTheServersTokensWhenChunksCarrySeveral() {
        // Two chunks, but the usage report says 6 tokens: TPOT divides by 5, ITL has the one gap.
        RequestRecord record = Timelines.completed(0, 16, 6, 50, 100);
        assertEquals(10, record.tpotMs().orElseThrow(), EPSILON);
        assertArrayEquals(new double[] {50}, record.itlMs(), EPSILON);
    }

    @Test
    void oneTokenHasNoTpotAndNoItl() {
        RequestRecord record = Timelines.completed(0, 16, 1, 42);
        assertTrue(record.tpotMs().isEmpty());
        assertEquals(0, record.itlMs().length);
        assertEquals(42, record.e2elMs(), EPSILON);
    }

    @Test
    void runStatisticsLeaveFailuresOutButCountThem() {
        RequestError badRequest = RequestError.http(400, "max_tokens too large");
        List<RequestRecord> records = List.of(
                Timelines.completed(0, 10, 3, 100, 120, 140),
                Timelines.failed(10, 15, badRequest),
                Timelines.completed(20, 30, 2, 220, 260),
                Timelines.failed(30, 2000, new RequestError(RequestError.TIMEOUT, "no complete response")),
                Timelines.failed(40, 45, RequestError.http(400, "another message")));
        RunStats stats = RunStats.of(new LoadPattern.ClosedLoop(2), records, null, null, null);

        assertEquals(5, stats.numRequests());
        assertEquals(2, stats.completed());
        assertEquals(3, stats.failed());
        assertEquals(new RunStats.ErrorCount(2, "max_tokens too large"), stats.errors().get("http_400"));
        assertEquals(1, stats.errors().get("timeout").count());
        // From the first send (0 ms) to the last completion (2000 ms).
        assertEquals(2.0, stats.durationS(), EPSILON);
        assertEquals(40, stats.totalInputTokens());
        assertEquals(5, stats.totalOutputTokens());
        assertEquals(1.0, stats.requestThroughput(), EPSILON);
        assertEquals(2.5, stats.outputThroughput(), EPSILON);
        assertEquals(22.5, stats.totalTokenThroughput(), EPSILON);
        // TTFTs 100 and 200 ms; TPOTs (140-100)/2 = 20 and (260-220)/1 = 40; ITLs 20, 20, 40.
        assertEquals(150, stats.ttftMs().mean(), EPSILON);
        assertEquals(30, stats.tpotMs().mean(), EPSILON);
        assertEquals(40 * 0.99 + 20 * 0.01, stats.tpotMs().p99(), EPSILON);
        assertEquals(80.0 / 3, stats.itlMs().mean(), EPSILON);
        assertEquals(20, stats.itlMs().p50(), EPSILON);
        assertEquals(190, stats.e2elMs().mean(), EPSILON);
        assertNull(stats.goodput());
    }
}
