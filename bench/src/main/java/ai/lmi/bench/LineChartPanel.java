package ai.lmi.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.geom.AffineTransform;
import java.util.List;

/** One line chart: a title, a framed plot area with gridlines, labelled axes, lines with labelled points, a legend. */
record LineChartPanel(String title, String xLabel, String yLabel, ChartAxis x, ChartAxis y, List<ChartSeries> series) {

    // DejaVu Sans where installed; Java falls back to its sans-serif Dialog font otherwise.
    static final String FONT_FAMILY = "DejaVu Sans";
    private static final Font TITLE_FONT = new Font(FONT_FAMILY, Font.BOLD, 16);
    private static final Font LABEL_FONT = new Font(FONT_FAMILY, Font.PLAIN, 13);
    private static final Font TICK_FONT = new Font(FONT_FAMILY, Font.PLAIN, 11);
    private static final Color GRID = new Color(225, 225, 225);
    private static final Color FRAME = new Color(90, 90, 90);
    private static final int LEFT = 78;
    private static final int RIGHT = 24;
    private static final int TOP = 44;
    private static final int BOTTOM = 58;
    private static final int POINT_RADIUS = 4;

    void draw(Graphics2D g, Rectangle bounds) {
        Rectangle plot = new Rectangle(bounds.x + LEFT, bounds.y + TOP, bounds.width - LEFT - RIGHT,
                bounds.height - TOP - BOTTOM);
        g.setFont(TITLE_FONT);
        g.setColor(Color.BLACK);
        centered(g, title, bounds.x + bounds.width / 2, bounds.y + 26);
        grid(g, plot);
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1));
        g.draw(plot);
        axisLabels(g, plot);
        for (ChartSeries line : series) {
            draw(g, plot, line);
        }
        legend(g, plot);
    }

    private void grid(Graphics2D g, Rectangle plot) {
        g.setStroke(new BasicStroke(1));
        g.setFont(TICK_FONT);
        FontMetrics metrics = g.getFontMetrics();
        for (double tick : y.ticks()) {
            int py = py(plot, tick);
            g.setColor(GRID);
            g.drawLine(plot.x, py, plot.x + plot.width, py);
            g.setColor(Color.DARK_GRAY);
            String text = Numbers.compact(tick);
            g.drawString(text, plot.x - 6 - metrics.stringWidth(text), py + metrics.getAscent() / 2 - 1);
        }
        for (double tick : x.ticks()) {
            int px = px(plot, tick);
            g.setColor(GRID);
            g.drawLine(px, plot.y, px, plot.y + plot.height);
            g.setColor(Color.DARK_GRAY);
            centered(g, Numbers.compact(tick), px, plot.y + plot.height + 4 + metrics.getAscent());
        }
    }

    private void axisLabels(Graphics2D g, Rectangle plot) {
        g.setFont(LABEL_FONT);
        g.setColor(Color.BLACK);
        centered(g, xLabel, plot.x + plot.width / 2, plot.y + plot.height + 40);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2, plot.x - 56, plot.y + plot.height / 2.0);
        centered(g, yLabel, plot.x - 56, plot.y + plot.height / 2 + 5);
        g.setTransform(saved);
    }

    private void draw(Graphics2D g, Rectangle plot, ChartSeries line) {
        g.setColor(line.color());
        g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (int i = 1; i < line.xs().length; i++) {
            g.drawLine(px(plot, line.xs()[i - 1]), py(plot, line.ys()[i - 1]), px(plot, line.xs()[i]),
                    py(plot, line.ys()[i]));
        }
        g.setFont(TICK_FONT);
        for (int i = 0; i < line.xs().length; i++) {
            int px = px(plot, line.xs()[i]);
            int py = py(plot, line.ys()[i]);
            g.fillOval(px - POINT_RADIUS, py - POINT_RADIUS, 2 * POINT_RADIUS, 2 * POINT_RADIUS);
            // Below the point when another line passes above it here, so close values do not overprint.
            int baseline = hasHigherPoint(line, line.xs()[i], line.ys()[i])
                    ? py + POINT_RADIUS + 2 + g.getFontMetrics().getAscent() : py - POINT_RADIUS - 4;
            centered(g, valueLabel(line.ys()[i]), px, baseline);
        }
    }

    private void legend(Graphics2D g, Rectangle plot) {
        g.setFont(LABEL_FONT);
        FontMetrics metrics = g.getFontMetrics();
        int width = series.stream().mapToInt(s -> metrics.stringWidth(s.name())).max().orElse(0) + 46;
        int rowHeight = metrics.getHeight() + 2;
        Rectangle box = new Rectangle(plot.x + 10, plot.y + 10, width, rowHeight * series.size() + 8);
        g.setColor(new Color(255, 255, 255, 230));
        g.fill(box);
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1));
        g.draw(box);
        for (int i = 0; i < series.size(); i++) {
            int baseline = box.y + 4 + rowHeight * (i + 1) - metrics.getDescent() - 1;
            int middle = baseline - metrics.getAscent() / 2 + 1;
            g.setColor(series.get(i).color());
            g.setStroke(new BasicStroke(2.2f));
            g.drawLine(box.x + 8, middle, box.x + 30, middle);
            g.setColor(Color.BLACK);
            g.drawString(series.get(i).name(), box.x + 38, baseline);
        }
    }

    private boolean hasHigherPoint(ChartSeries line, double xValue, double yValue) {
        for (ChartSeries other : series) {
            for (int i = 0; other != line && i < other.xs().length; i++) {
                if (other.xs()[i] == xValue && other.ys()[i] > yValue) {
                    return true;
                }
            }
        }
        return false;
    }

    private int px(Rectangle plot, double value) {
        return plot.x + (int) Math.round(x.position(value) * plot.width);
    }

    private int py(Rectangle plot, double value) {
        return plot.y + plot.height - (int) Math.round(y.position(value) * plot.height);
    }

    private static String valueLabel(double value) {
        return Numbers.fixed(value, Math.abs(value) >= 100 ? 0 : 1);
    }

    private static void centered(Graphics2D g, String text, int centerX, int baseline) {
        g.drawString(text, centerX - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }
}
