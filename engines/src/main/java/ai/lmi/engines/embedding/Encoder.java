package ai.lmi.engines.embedding;

import java.util.List;

/** Runs the model over a batch of token id rows and pools each row to one vector. */
interface Encoder extends AutoCloseable {

    /** One vector per row, in order. */
    float[][] encode(List<long[]> rows);

    /** The token positions {@link #encode} computes for these rows, padding included: what the observer is told. */
    int computedTokens(List<long[]> rows);

    @Override
    void close();
}
