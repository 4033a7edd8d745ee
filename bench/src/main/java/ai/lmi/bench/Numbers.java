package ai.lmi.bench;

import java.util.Locale;

/** Number formatting shared by the reports, the progress line and the chart. */
final class Numbers {

    private Numbers() {}

    /** {@code 4} for 4.0, {@code 2.5} for 2.5: no trailing zeros. */
    static String compact(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%.6g", value).replaceAll("\\.?0+$", "");
    }

    /** Fixed decimals, with {@code -} for a missing (NaN) value. */
    static String fixed(double value, int decimals) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** Rounds to {@code decimals} places for the JSON summary, where more digits are noise. */
    static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
