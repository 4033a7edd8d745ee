package ai.lmi.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The {@code --plot} PNG of a concurrency sweep: output token throughput and TPOT (mean and p99) against
 * concurrency, side by side. A single run draws single points.
 */
final class SweepChart {

    static final int WIDTH = 1200;
    static final int HEIGHT = 500;
    private static final int CAPTION_HEIGHT = 30;
    static final Color THROUGHPUT = new Color(31, 119, 180);
    static final Color TPOT_MEAN = new Color(44, 160, 44);
    static final Color TPOT_P99 = new Color(214, 39, 40);

    private SweepChart() {}

    static void write(BenchSummary summary, Path file) throws IOException {
        // Draws into an image without a display; set before the first AWT class initialises.
        System.setProperty("java.awt.headless", "true");
        List<RunStats> runs = summary.runs().stream()
                .filter(run -> run.load() instanceof LoadPattern.ClosedLoop)
                .sorted(Comparator.comparingInt(run -> run.load().maxInFlight()))
                .toList();
        if (runs.isEmpty()) {
            throw new IOException("no closed-loop run to plot");
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(LineChartPanel.FONT_FAMILY, Font.PLAIN, 13));
            g.drawString(caption(summary), 16, 20);
            int panelHeight = HEIGHT - CAPTION_HEIGHT;
            throughputPanel(runs).draw(g, new Rectangle(0, CAPTION_HEIGHT, WIDTH / 2, panelHeight));
            tpotPanel(runs).draw(g, new Rectangle(WIDTH / 2, CAPTION_HEIGHT, WIDTH / 2, panelHeight));
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer in this Java runtime");
        }
    }

    private static String caption(BenchSummary summary) {
        String what = summary.api().flagValue() + " at " + summary.url();
        return summary.label() == null ? what : summary.label() + " (" + what + ")";
    }

    private static LineChartPanel throughputPanel(List<RunStats> runs) {
        double[] xs = concurrency(runs);
        double[] ys = runs.stream().mapToDouble(RunStats::outputThroughput).toArray();
        ChartSeries throughput = new ChartSeries("output tok/s", THROUGHPUT, xs, ys);
        return new LineChartPanel("Output token throughput", "concurrency", "tokens / s", ChartAxis.log2(list(xs)),
                ChartAxis.fromZero(max(ys)), List.of(throughput));
    }

    private static LineChartPanel tpotPanel(List<RunStats> runs) {
        List<RunStats> measured = runs.stream().filter(run -> run.tpotMs() != null).toList();
        double[] xs = concurrency(measured);
        double[] means = measured.stream().mapToDouble(run -> run.tpotMs().mean()).toArray();
        double[] p99s = measured.stream().mapToDouble(run -> run.tpotMs().p99()).toArray();
        return new LineChartPanel("Time per output token", "concurrency", "TPOT (ms)",
                ChartAxis.log2(list(concurrency(runs))), ChartAxis.fromZero(Math.max(max(means), max(p99s))),
                List.of(new ChartSeries("TPOT mean", TPOT_MEAN, xs, means),
                        new ChartSeries("TPOT p99", TPOT_P99, xs, p99s)));
    }

    private static double[] concurrency(List<RunStats> runs) {
        return runs.stream().mapToDouble(run -> run.load().maxInFlight()).toArray();
    }

    private static List<Double> list(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
