package ai.lmi.bench;

/** Percentiles by linear interpolation between closest ranks, numpy's default method. */
final class Percentiles {

    private Percentiles() {}

    /**
     * @param sorted ascending, not empty
     * @param percent from 0 to 100
     */
    static double of(double[] sorted, double percent) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double rank = percent / 100 * (sorted.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }
}
