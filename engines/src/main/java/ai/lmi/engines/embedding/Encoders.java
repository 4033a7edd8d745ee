package ai.lmi.engines.embedding;

import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks how a model runs its batches: one padded forward pass, or each input on its own where padding would leak. */
final class Encoders {

    private static final Logger LOG = LoggerFactory.getLogger(Encoders.class);

    private Encoders() {}

    static Encoder load(Path modelFile, Pooler pooler) throws IOException {
        if (EmbeddingModelFiles.isOnnx(modelFile) && DynamicQuantization.inGraph(modelFile)) {
            int parallelRows = Runtime.getRuntime().availableProcessors();
            LOG.info("{} quantizes activations with one scale per tensor (DynamicQuantizeLinear), so in a padded batch "
                    + "an input's vector would depend on the other inputs; each input of a batch runs on its own, "
                    + "{} at a time", modelFile, parallelRows);
            return new RowByRowEncoder(DjlEncoder.load(modelFile, pooler, 1), parallelRows);
        }
        return DjlEncoder.load(modelFile, pooler, 0);
    }
}
