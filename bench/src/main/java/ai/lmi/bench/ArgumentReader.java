package ai.lmi.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Reads {@code --flag value}, {@code --flag=value} and bare switches; every error names the flag. */
final class ArgumentReader {

    /** Flag to its value; a switch maps to the empty string. */
    private final Map<String, String> values;

    private ArgumentReader(Map<String, String> values) {
        this.values = values;
    }

    static ArgumentReader read(List<String> args, Set<String> valueFlags, Set<String> switches)
            throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            int equals = arg.indexOf('=');
            String flag = equals < 0 ? arg : arg.substring(0, equals);
            String value;
            if (switches.contains(flag)) {
                if (equals >= 0) {
                    throw new UsageException(flag + " takes no value, got '" + arg + "'");
                }
                value = "";
            } else if (valueFlags.contains(flag)) {
                if (equals >= 0) {
                    value = arg.substring(equals + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException(flag + " needs a value");
                }
            } else {
                throw new UsageException("unknown argument '" + arg + "' (see --help)");
            }
            if (values.put(flag, value) != null) {
                throw new UsageException(flag + " is given twice");
            }
        }
        return new ArgumentReader(values);
    }

    boolean has(String flag) {
        return values.containsKey(flag);
    }

    Optional<String> string(String flag) {
        return Optional.ofNullable(values.get(flag));
    }

    Optional<Integer> integer(String flag, int min) throws UsageException {
        String text = values.get(flag);
        return text == null ? Optional.empty() : Optional.of(parseInteger(flag, text, min));
    }

    Optional<Long> longInteger(String flag) throws UsageException {
        String text = values.get(flag);
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be an integer, got '" + text + "'");
        }
    }

    /** A finite number above {@code min}, or equal to it when {@code minAllowed}. */
    Optional<Double> decimal(String flag, double min, boolean minAllowed) throws UsageException {
        String text = values.get(flag);
        return text == null ? Optional.empty() : Optional.of(parseDecimal(flag, text, min, minAllowed));
    }

    Optional<List<Integer>> integers(String flag, int min) throws UsageException {
        String text = values.get(flag);
        if (text == null) {
            return Optional.empty();
        }
        List<Integer> list = new ArrayList<>();
        for (String item : commaList(flag, text)) {
            list.add(parseInteger(flag, item, min));
        }
        return Optional.of(List.copyOf(list));
    }

    Optional<List<Double>> decimals(String flag, double min, boolean minAllowed) throws UsageException {
        String text = values.get(flag);
        if (text == null) {
            return Optional.empty();
        }
        List<Double> list = new ArrayList<>();
        for (String item : commaList(flag, text)) {
            list.add(parseDecimal(flag, item, min, minAllowed));
        }
        return Optional.of(List.copyOf(list));
    }

    /** The enum constant whose flag value is given; the error lists the allowed values. */
    <E extends Enum<E>> Optional<E> choice(String flag, E[] constants, Function<E, String> name)
            throws UsageException {
        String text = values.get(flag);
        if (text == null) {
            return Optional.empty();
        }
        List<String> allowed = new ArrayList<>();
        for (E constant : constants) {
            if (name.apply(constant).equals(text)) {
                return Optional.of(constant);
            }
            allowed.add(name.apply(constant));
        }
        throw new UsageException(flag + " must be one of " + String.join(", ", allowed) + "; got '" + text + "'");
    }

    private static List<String> commaList(String flag, String text) throws UsageException {
        List<String> items = new ArrayList<>();
        for (String item : text.split(",", -1)) {
            if (item.isBlank()) {
                throw new UsageException(flag + " must be a comma-separated list without empty items, got '"
                        + text + "'");
            }
            items.add(item.strip());
        }
        return items;
    }

    private static int parseInteger(String flag, String text, int min) throws UsageException {
        try {
            int value = Integer.parseInt(text.strip());
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below with the allowed range.
        }
        throw new UsageException(flag + " must be an integer >= " + min + ", got '" + text + "'");
    }

    private static double parseDecimal(String flag, String text, double min, boolean minAllowed)
            throws UsageException {
        try {
            double value = Double.parseDouble(text.strip());
            if (Double.isFinite(value) && (value > min || minAllowed && value == min)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below with the allowed range.
        }
        throw new UsageException(flag + " must be a number " + (minAllowed ? ">= " : "> ") + formatBound(min)
                + ", got '" + text + "'");
    }

    private static String formatBound(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }
}
