package ai.lmi.engines.embedding;

/** Vector arithmetic and comparisons for the tests and the batching benchmark; plain Java, no JUnit. */
final class Vectors {

    private Vectors() {}

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    static double norm(float[] v) {
        double squares = 0;
        for (float x : v) {
            squares += (double) x * x;
        }
        return Math.sqrt(squares);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dimensions differ: " + a.length + " and " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
