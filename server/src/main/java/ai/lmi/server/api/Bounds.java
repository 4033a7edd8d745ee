package ai.lmi.server.api;

/** The allowed range of a numeric field, and how an error message states it. */
record Bounds(double min, boolean minInclusive, double max, boolean maxInclusive) {

    static Bounds atLeast(double min) {
        return new Bounds(min, true, Double.POSITIVE_INFINITY, false);
    }

    static Bounds greaterThan(double min) {
        return new Bounds(min, false, Double.POSITIVE_INFINITY, false);
    }

    static Bounds between(double min, double max) {
        return new Bounds(min, true, max, true);
    }

    /** {@code (min, max]}, e.g. top_p. */
    static Bounds aboveAndAtMost(double min, double max) {
        return new Bounds(min, false, max, true);
    }

    boolean contains(double value) {
        boolean aboveMin = minInclusive ? value >= min : value > min;
        boolean belowMax = maxInclusive ? value <= max : value < max;
        return aboveMin && belowMax;
    }

    /** "must be >= 0", "must be between 0 and 1", "must be > 0 and <= 1". */
    String describe() {
        String lower = (minInclusive ? ">= " : "> ") + format(min);
        if (Double.isInfinite(max)) {
            return "must be " + lower;
        }
        if (minInclusive && maxInclusive) {
            return "must be between " + format(min) + " and " + format(max);
        }
        return "must be " + lower + " and " + (maxInclusive ? "<= " : "< ") + format(max);
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
