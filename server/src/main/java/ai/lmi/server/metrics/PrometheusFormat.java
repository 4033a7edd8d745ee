package ai.lmi.server.metrics;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/** The lexical rules of the Prometheus text exposition format 0.0.4: names, escaping, numbers, lines. */
final class PrometheusFormat {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private PrometheusFormat() {}

    static String requireMetricName(String name) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name: " + name);
        }
        return name;
    }

    static String requireLabelName(String name) {
        // "le" is reserved for histogram buckets and "__" prefixes for Prometheus itself.
        if (!LABEL_NAME.matcher(name).matches() || name.startsWith("__") || name.equals("le")) {
            throw new IllegalArgumentException("invalid label name: " + name);
        }
        return name;
    }

    static void writeHeader(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** One sample line; {@code labels} is empty or a rendered label set such as {@code {status="200"}}. */
    static void writeSample(StringBuilder out, String name, String labels, double value) {
        out.append(name).append(labels).append(' ').append(formatNumber(value)).append('\n');
    }

    /** Renders a label set from alternating names and values: {@code labels("a", "x")} is {@code {a="x"}}. */
    static String labels(String... namesAndValues) {
        if (namesAndValues.length == 0) {
            return "";
        }
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(namesAndValues[i]).append("=\"").append(escapeLabelValue(namesAndValues[i + 1])).append('"');
        }
        return out.append('}').toString();
    }

    /** Plain decimal notation (no exponent), integers without a fraction, and the format's spellings of infinities. */
    static String formatNumber(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == 0) {
            return "0";
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String escapeLabelValue(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
