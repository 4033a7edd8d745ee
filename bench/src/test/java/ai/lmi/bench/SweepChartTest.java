package ai.lmi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepChartTest {

    @Test
    void aSweepBecomesAPngOfTheExpectedSize(@TempDir Path dir) throws Exception {
        List<RunStats> runs = new ArrayList<>();
        for (int concurrency : new int[] {1, 4, 16, 64}) {
            runs.add(run(concurrency, 60.0 * Math.sqrt(concurrency), 10 + concurrency / 2.0));
        }
        Path png = dir.resolve("sweep.png");
        SweepChart.write(new BenchSummary("tiny-llama", URI.create("http://127.0.0.1:8080"), Api.COMPLETIONS, runs),
                png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(SweepChart.WIDTH, image.getWidth());
        assertEquals(SweepChart.HEIGHT, image.getHeight());
        // Each series drew its points in its own colour, throughput on the left, TPOT on the right.
        assertTrue(hasColour(image, 0, SweepChart.WIDTH / 2, SweepChart.THROUGHPUT));
        assertTrue(hasColour(image, SweepChart.WIDTH / 2, SweepChart.WIDTH, SweepChart.TPOT_MEAN));
        assertTrue(hasColour(image, SweepChart.WIDTH / 2, SweepChart.WIDTH, SweepChart.TPOT_P99));
    }

    @Test
    void oneRunDrawsSinglePoints(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("one.png");
        SweepChart.write(new BenchSummary(null, URI.create("http://h:1"), Api.INVOCATIONS,
                List.of(run(8, 100, 25))), png);
        assertEquals(SweepChart.WIDTH, ImageIO.read(png.toFile()).getWidth());
    }

    @Test
    void log2AxisTicksAtTheSweptValuesAndLinearAxisAtRoundSteps() {
        ChartAxis x = ChartAxis.log2(List.of(1.0, 4.0, 16.0, 64.0));
        assertEquals(List.of(1.0, 4.0, 16.0, 64.0), x.ticks());
        assertEquals(x.position(4) - x.position(1), x.position(16) - x.position(4), 1e-12);
        ChartAxis y = ChartAxis.fromZero(437);
        assertEquals(List.of(0.0, 100.0, 200.0, 300.0, 400.0, 500.0), y.ticks());
        assertEquals(0.5, y.position(250), 1e-12);
    }

    private static boolean hasColour(BufferedImage image, int fromX, int toX, Color colour) {
        for (int x = fromX; x < toX; x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == (colour.getRGB() & 0xFFFFFF)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static RunStats run(int concurrency, double throughput, double tpotMean) {
        Distribution tpot = new Distribution(tpotMean, tpotMean, tpotMean * 1.2, tpotMean * 1.5);
        return new RunStats(new LoadPattern.ClosedLoop(concurrency), 10, 10, 0, Map.of(), 1, 10,
                throughput, throughput, 100, 100, tpot, tpot, tpot, tpot, null, null, null);
    }
}
