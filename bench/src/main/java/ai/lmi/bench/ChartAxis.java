package ai.lmi.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Where values fall along a chart axis, from 0 at {@code min} to 1 at {@code max}, and the ticks to draw:
 * a log2 axis for concurrency, ticked at the swept values, or a linear one from zero with round steps.
 */
record ChartAxis(double min, double max, boolean log2, List<Double> ticks) {

    /** Room beyond the outermost swept values, in powers of two, so their points sit inside the frame. */
    private static final double LOG2_PADDING = 0.35;
    private static final int TARGET_TICKS = 5;

    /** A log2 axis through the given positive values, ticked at each. */
    static ChartAxis log2(List<Double> values) {
        List<Double> ticks = values.stream().distinct().sorted().toList();
        double low = ticks.get(0);
        double high = ticks.get(ticks.size() - 1);
        return new ChartAxis(low / Math.pow(2, LOG2_PADDING), high * Math.pow(2, LOG2_PADDING), true, ticks);
    }

    /** A linear axis from zero past {@code largest}, ticked every 1, 2 or 5 times a power of ten. */
    static ChartAxis fromZero(double largest) {
        double top = largest > 0 ? largest * 1.1 : 1;
        double rough = top / TARGET_TICKS;
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        double step = magnitude;
        for (double factor : new double[] {1, 2, 5, 10}) {
            step = factor * magnitude;
            if (step >= rough) {
                break;
            }
        }
        double max = Math.ceil(top / step) * step;
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; i * step <= max * (1 + 1e-9); i++) {
            ticks.add(i * step);
        }
        return new ChartAxis(0, max, false, List.copyOf(ticks));
    }

    /** 0 at {@code min}, 1 at {@code max}. */
    double position(double value) {
        if (log2) {
            return (Math.log(value) - Math.log(min)) / (Math.log(max) - Math.log(min));
        }
        return (value - min) / (max - min);
    }
}
