package ai.lmi.engines.embedding;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far a padded batch moves a vector from the same input run alone, and how long a batch takes each way that
 * {@link Encoders} could run it, on the 16 mixed sentences of the engine tests. The numbers of engines/README.md:
 *
 * <pre>
 * mvn -q -o -pl engines test-compile &amp;&amp; ./lmi fetch-example minilm /tmp/minilm
 * java -cp "engines/target/test-classes:engines/target/classes:server/target/lib/*" \
 *     ai.lmi.engines.embedding.BatchingStrategyBenchmark /tmp/minilm [RUNS]
 * </pre>
 */
public final class BatchingStrategyBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingStrategyBenchmark.class);
    private static final int WARMUP = 3;

    private BatchingStrategyBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        DjlOfflineMode.enable();
        Path modelFile = EmbeddingModelFiles.modelFile(dir).orElseThrow();
        Pooler pooler = new Pooler(Pooling.MEAN, true);
        int cores = Runtime.getRuntime().availableProcessors();
        try (EmbeddingTokenizer tokenizer = EmbeddingTokenizer.load(dir.resolve("tokenizer.json"),
                MaxModelLen.resolve(dir, OptionalInt.empty()), false)) {
            List<long[]> batch = tokenizer.encode(Sentences.MIXED);
            try (Encoder padded = DjlEncoder.load(modelFile, pooler, 0);
                    Encoder single = DjlEncoder.load(modelFile, pooler, 1);
                    Encoder rowByRow = new RowByRowEncoder(DjlEncoder.load(modelFile, pooler, 1), cores)) {
                float[][] together = padded.encode(batch);
                double worst = 0;
                for (int i = 0; i < batch.size(); i++) {
                    worst = Math.max(worst, Vectors.maxAbsDiff(together[i], padded.encode(List.of(batch.get(i)))[0]));
                }
                LOG.info("{}: largest difference, alone vs in one padded batch of {}: {}", modelFile.getFileName(),
                        batch.size(), String.format(Locale.ROOT, "%.3g", worst));
                report("one padded forward pass, ONNX Runtime's default threads", runs, () -> padded.encode(batch));
                report("each row alone, one after another, default threads", runs,
                        () -> batch.forEach(row -> padded.encode(List.of(row))));
                report("each row alone, one after another, 1 thread each", runs,
                        () -> batch.forEach(row -> single.encode(List.of(row))));
                report("each row alone, " + cores + " at a time, 1 thread each", runs, () -> rowByRow.encode(batch));
            }
        }
    }

    private static void report(String how, int runs, Runnable batch) {
        for (int i = 0; i < WARMUP; i++) {
            batch.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            batch.run();
        }
        LOG.info("{}: {} ms per batch of {}", how,
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e6 / runs), Sentences.MIXED.size());
    }
}
