package ai.lmi.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * A Prometheus text exposition (format 0.0.4) read into its samples. Lines it cannot read are skipped: the
 * benchmark needs a few LMI metrics and must not fail on another server's exotic ones.
 */
final class PrometheusText {

    /** One sample line: a metric name, its labels in order, its value. */
    private record Sample(String name, Map<String, String> labels, double value) {}

    private static final Set<String> FAMILY_SUFFIXES = Set.of("_bucket", "_sum", "_count", "_total", "_created");

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            Sample sample = sample(trimmed);
            if (sample != null) {
                samples.add(sample);
            }
        }
        return new PrometheusText(List.copyOf(samples));
    }

    /** Whether any sample belongs to the metric {@code family}: named so, or so plus a histogram or counter suffix. */
    boolean hasFamily(String family) {
        return samples.stream().anyMatch(s -> s.name().equals(family)
                || s.name().startsWith(family) && FAMILY_SUFFIXES.contains(s.name().substring(family.length())));
    }

    /** The value of the unlabelled sample {@code name}, empty when absent. */
    OptionalDouble value(String name) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().isEmpty())
                .mapToDouble(Sample::value).findFirst();
    }

    /** The samples named {@code name} by the value of their label {@code label}, in exposition order. */
    Map<String, Double> byLabel(String name, String label) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (Sample sample : samples) {
            String labelValue = sample.labels().get(label);
            if (sample.name().equals(name) && labelValue != null) {
                values.put(labelValue, sample.value());
            }
        }
        return values;
    }

    /** {@code name{labels} value [timestamp]}, or null when the line is not one. */
    private static Sample sample(String line) {
        int at = 0;
        while (at < line.length() && isNameChar(line.charAt(at))) {
            at++;
        }
        if (at == 0) {
            return null;
        }
        String name = line.substring(0, at);
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at = labels(line, at + 1, labels);
            if (at < 0) {
                return null;
            }
        }
        String[] rest = line.substring(at).strip().split("\\s+");
        OptionalDouble value = number(rest[0]);
        return value.isPresent() ? new Sample(name, Map.copyOf(labels), value.getAsDouble()) : null;
    }

    /** Reads {@code key="value",...}} from {@code at}; returns the index after the brace, or -1 if malformed. */
    private static int labels(String line, int at, Map<String, String> labels) {
        while (at < line.length()) {
            char c = line.charAt(at);
            if (c == '}') {
                return at + 1;
            }
            if (c == ',' || c == ' ') {
                at++;
                continue;
            }
            int equals = line.indexOf('=', at);
            if (equals < 0 || equals + 1 >= line.length() || line.charAt(equals + 1) != '"') {
                return -1;
            }
            String key = line.substring(at, equals).strip();
            StringBuilder value = new StringBuilder();
            int i = equals + 2;
            for (; i < line.length() && line.charAt(i) != '"'; i++) {
                char v = line.charAt(i);
                if (v == '\\' && i + 1 < line.length()) {
                    char escaped = line.charAt(++i);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(v);
                }
            }
            if (i >= line.length()) {
                return -1;
            }
            labels.put(key, value.toString());
            at = i + 1;
        }
        return -1;
    }

    private static OptionalDouble number(String text) {
        switch (text) {
            case "+Inf":
                return OptionalDouble.of(Double.POSITIVE_INFINITY);
            case "-Inf":
                return OptionalDouble.of(Double.NEGATIVE_INFINITY);
            case "NaN":
                return OptionalDouble.of(Double.NaN);
            default:
                try {
                    return OptionalDouble.of(Double.parseDouble(text));
                } catch (NumberFormatException e) {
                    return OptionalDouble.empty();
                }
        }
    }

    private static boolean isNameChar(char c) {
        return c == '_' || c == ':' || Character.isLetterOrDigit(c) && c < 128;
    }
}
