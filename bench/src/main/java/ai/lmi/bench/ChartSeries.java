package ai.lmi.bench;

import java.awt.Color;

/** One line of a chart: its legend name, its colour and its points, x ascending. */
record ChartSeries(String name, Color color, double[] xs, double[] ys) {

    ChartSeries {
        if (xs.length != ys.length) {
            throw new IllegalArgumentException(xs.length + " x values for " + ys.length + " y values");
        }
    }
}
