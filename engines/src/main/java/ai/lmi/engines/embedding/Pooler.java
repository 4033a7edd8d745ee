package ai.lmi.engines.embedding;

/**
 * Pools the hidden states of one padded batch into one vector per row, and scales them to unit length if asked.
 *
 * <p>Rows are right-padded, so a row's attention mask is its first {@code length} positions: pooling reads only
 * those, and what the model computed at padded positions never reaches a vector.
 */
final class Pooler {

    private final Pooling pooling;
    private final boolean normalize;

    Pooler(Pooling pooling, boolean normalize) {
        this.pooling = pooling;
        this.normalize = normalize;
    }

    /**
     * @param hidden the model's output, [rows, tokens, hiddenSize] flattened row-major
     * @param lengths each row's real token count
     */
    float[][] pool(float[] hidden, int tokens, int hiddenSize, int[] lengths) {
        float[][] vectors = new float[lengths.length][];
        for (int row = 0; row < lengths.length; row++) {
            int rowStart = row * tokens * hiddenSize;
            float[] vector = switch (pooling) {
                case CLS -> token(hidden, rowStart, hiddenSize, 0);
                case LAST -> token(hidden, rowStart, hiddenSize, lengths[row] - 1);
                case MEAN -> mean(hidden, rowStart, hiddenSize, lengths[row]);
            };
            vectors[row] = normalize ? unitLength(vector) : vector;
        }
        return vectors;
    }

    private static float[] token(float[] hidden, int rowStart, int hiddenSize, int token) {
        float[] vector = new float[hiddenSize];
        System.arraycopy(hidden, rowStart + token * hiddenSize, vector, 0, hiddenSize);
        return vector;
    }

    private static float[] mean(float[] hidden, int rowStart, int hiddenSize, int length) {
        double[] sum = new double[hiddenSize];
        for (int token = 0; token < length; token++) {
            int offset = rowStart + token * hiddenSize;
            for (int h = 0; h < hiddenSize; h++) {
                sum[h] += hidden[offset + h];
            }
        }
        float[] vector = new float[hiddenSize];
        for (int h = 0; h < hiddenSize; h++) {
            vector[h] = (float) (sum[h] / length);
        }
        return vector;
    }

    private static float[] unitLength(float[] vector) {
        double squares = 0;
        for (float v : vector) {
            squares += (double) v * v;
        }
        // A zero vector has no direction; it stays zero rather than becoming NaN.
        if (squares == 0) {
            return vector;
        }
        double scale = 1 / Math.sqrt(squares);
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) (vector[i] * scale);
        }
        return vector;
    }
}
