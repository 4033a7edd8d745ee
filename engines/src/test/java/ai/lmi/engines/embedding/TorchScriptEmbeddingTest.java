package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny traced TorchScript encoder, built by /usr/bin/python3 with torch (skipped without them), served through
 * DJL's PyTorch engine and compared with what torch itself computes.
 */
class TorchScriptEmbeddingTest {

    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path work;

    @Test
    void servesTheTracedModelAsTorchComputesIt() throws Exception {
        Assumptions.assumeTrue(pythonHasTorch(), PYTHON + " with torch is needed to build the model");
        Path modelDir = Files.createDirectories(work.resolve("model"));
        Path minilm = MiniLmExample.layOut(work.resolve("minilm"));
        Path tokenizerJson = Files.copy(minilm.resolve(EmbeddingModelFiles.TOKENIZER_FILE),
                modelDir.resolve(EmbeddingModelFiles.TOKENIZER_FILE));
        List<float[]> expected = buildModel(modelDir, tokenize(tokenizerJson));

        RecordingObserver observer = new RecordingObserver();
        EmbeddingSettings settings = new EmbeddingSettings(modelDir, Pooling.MEAN, true, OptionalInt.of(128), false,
                16, Duration.ofMillis(50));
        try (EmbeddingEngine engine = EmbeddingEngine.load(settings, observer)) {
            assertEquals("PyTorch", engine.engineName());
            assertEquals(32, engine.dimension());

            List<float[]> alone = new ArrayList<>();
            for (int i = 0; i < Sentences.MIXED.size(); i++) {
                float[] vector = engine.embed(List.of(Sentences.MIXED.get(i))).get().get(0).vector();
                double diff = Vectors.maxAbsDiff(expected.get(i), vector);
                assertTrue(diff <= 1e-4, "input " + i + " differs from torch's by " + diff);
                alone.add(vector);
            }

            // Queued back to back, the inputs land in one padded batch.
            int before = observer.batches.size();
            List<CompletableFuture<List<Embedding>>> futures = new ArrayList<>();
            for (String sentence : Sentences.MIXED) {
                futures.add(engine.embed(List.of(sentence)));
            }
            for (int i = 0; i < futures.size(); i++) {
                double diff = Vectors.maxAbsDiff(alone.get(i), futures.get(i).get().get(0).vector());
                assertTrue(diff <= 1e-5, "input " + i + " batched differs from alone by " + diff);
            }
            RecordingObserver.Batch largest = observer.batches.subList(before, observer.batches.size()).stream()
                    .max((a, b) -> Integer.compare(a.inputs(), b.inputs()))
                    .orElseThrow();
            assertTrue(largest.inputs() > 1, "a batch formed: " + observer.batches);
            assertEquals(0, largest.paddedTokens() % largest.inputs(), "padded: inputs × longest");
        }
    }

    private static boolean pythonHasTorch() throws InterruptedException {
        try {
            Process check = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            check.getInputStream().transferTo(OutputStream.nullOutputStream());
            return check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The ids the engine will feed, written one input per line for the Python side. */
    private Path tokenize(Path tokenizerJson) throws IOException {
        Path ids = work.resolve("ids.txt");
        try (EmbeddingTokenizer tokenizer = EmbeddingTokenizer.load(tokenizerJson, 128, false)) {
            Files.write(ids, tokenizer.encode(Sentences.MIXED).stream()
                    .map(row -> Arrays.stream(row).mapToObj(Long::toString).collect(Collectors.joining(" ")))
                    .toList());
        }
        return ids;
    }

    /** Runs tiny_encoder.py: writes modelDir/tiny-encoder.pt; returns torch's own vector for each input. */
    private List<float[]> buildModel(Path modelDir, Path ids) throws Exception {
        Path script = work.resolve("tiny_encoder.py");
        try (InputStream in = getClass().getResourceAsStream("/tiny_encoder.py")) {
            Files.copy(in, script);
        }
        Path expected = work.resolve("expected.txt");
        Process python = new ProcessBuilder(PYTHON, script.toString(), ids.toString(),
                        modelDir.resolve("tiny-encoder.pt").toString(), expected.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(python.getInputStream().readAllBytes());
        assertTrue(python.waitFor(120, TimeUnit.SECONDS) && python.exitValue() == 0, output);
        List<float[]> vectors = new ArrayList<>();
        for (String line : Files.readAllLines(expected)) {
            String[] values = line.trim().split(" ");
            float[] vector = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                vector[i] = Float.parseFloat(values[i]);
            }
            vectors.add(vector);
        }
        return vectors;
    }
}
