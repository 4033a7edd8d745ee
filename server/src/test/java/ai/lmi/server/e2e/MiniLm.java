package ai.lmi.server.e2e;

import ai.lmi.engines.embedding.MiniLmExample;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** all-MiniLM-L6-v2 served for real, and what the embedding tests read its answers with. */
final class MiniLm {

    static final String NAME = "all-MiniLM-L6-v2";
    static final int DIMENSION = 384;
    /** As its serving.properties sets it. */
    static final int MAX_MODEL_LEN = 256;

    private MiniLm() {}

    /** Lays the model out under {@code work} and serves it; {@code args} are more command-line settings. */
    static TestServer serve(Path work, String... args) {
        try {
            return TestServer.start(MiniLmExample.layOut(work.resolve(NAME)), args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code n} times "hello": n + 2 tokens, since each is one word piece between [CLS] and [SEP]. */
    static String hellos(int n) {
        return "hello ".repeat(n).strip();
    }

    static float[] vector(JsonNode array) {
        float[] vector = new float[array.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = array.get(i).floatValue();
        }
        return vector;
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
