package ai.lmi.server.metrics;

/** One metric family that can write itself in the Prometheus text format. */
public interface Metric {

    /** The family name, as it appears after {@code # TYPE}. */
    String name();

    /** Appends {@code # HELP}, {@code # TYPE} and every sample line of this family. */
    void writeTo(StringBuilder out);
}
