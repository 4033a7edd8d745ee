package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real all-MiniLM-L6-v2 (int8 ONNX) and its tokenizer, laid out as `lmi fetch-example minilm` does. */
class MiniLmEmbeddingTest {

    private static final double SAME = 1e-5;

    @TempDir
    static Path modelDir;

    private static RecordingObserver observer;
    private static EmbeddingEngine engine;

    @BeforeAll
    static void load() throws IOException {
        MiniLmExample.layOut(modelDir);
        observer = new RecordingObserver();
        engine = load(OptionalInt.of(256), false, 16, observer);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static EmbeddingEngine load(OptionalInt maxModelLen, boolean truncate, int batchSize,
            BatchObserver observer) throws IOException {
        return EmbeddingEngine.load(new EmbeddingSettings(modelDir, Pooling.MEAN, true, maxModelLen, truncate,
                batchSize, Duration.ofMillis(20)), observer);
    }

    private static float[] alone(EmbeddingEngine engine, String text) throws Exception {
        return engine.embed(List.of(text)).get().get(0).vector();
    }

    @Test
    void servesUnitLength384DimensionalVectorsOnOnnxRuntime() throws Exception {
        assertEquals(384, engine.dimension());
        assertEquals(256, engine.maxModelLen());
        assertEquals("OnnxRuntime", engine.engineName());
        List<Embedding> embeddings = engine.embed(List.of("Paris is the capital of France.", "")).get();
        assertEquals(384, embeddings.get(0).vector().length);
        assertEquals(1.0, Vectors.norm(embeddings.get(0).vector()), 1e-5);
        assertEquals(2, embeddings.get(1).promptTokens(), "the empty string is [CLS] [SEP]");
    }

    @Test
    void paraphrasesAreCloserThanAnUnrelatedSentence() throws Exception {
        List<List<String>> pairs = List.of(
                List.of("A man is playing a guitar.", "Someone is strumming a guitar."),
                List.of("The cat sat on the mat.", "A cat is sitting on a rug."),
                List.of("How do I reset my password?", "I forgot my password and need to change it."),
                List.of("The stock market crashed today.", "Share prices fell sharply today."),
                List.of("It is raining heavily outside.", "There is a downpour outside."),
                List.of("She bought a new car.", "She purchased a new automobile."),
                List.of("The children are playing football in the park.", "Kids play soccer in the park."),
                List.of("Paris is the capital of France.", "The French capital is Paris."),
                List.of("The doctor examined the patient.", "The physician checked the patient."),
                List.of("I am very hungry.", "I would like to eat something now."),
                List.of("The train was delayed by an hour.", "The train arrived sixty minutes late."));
        float[] unrelated = alone(engine, "Volcanic eruptions release sulfur dioxide into the stratosphere.");
        for (List<String> pair : pairs) {
            List<Embedding> both = engine.embed(pair).get();
            double paraphrase = Vectors.cosine(both.get(0).vector(), both.get(1).vector());
            double other = Vectors.cosine(both.get(0).vector(), unrelated);
            assertTrue(paraphrase > other, pair + ": " + paraphrase + " vs unrelated " + other);
        }
    }

    @Test
    void aSentenceGetsTheSameVectorAloneAndInABatchOf16() throws Exception {
        List<float[]> alone = new ArrayList<>();
        for (String sentence : Sentences.MIXED) {
            alone.add(alone(engine, sentence));
        }
        int before = observer.batches.size();
        List<float[]> batched = embedConcurrently(Sentences.MIXED.stream().map(List::of).toList()).stream()
                .map(embeddings -> embeddings.get(0).vector())
                .toList();
        assertTrue(observer.batches.subList(before, observer.batches.size()).stream().anyMatch(b -> b.inputs() > 1),
                "the batcher grouped the concurrent requests: " + observer.batches);
        for (int i = 0; i < alone.size(); i++) {
            double diff = Vectors.maxAbsDiff(alone.get(i), batched.get(i));
            assertTrue(diff <= SAME, Sentences.MIXED.get(i) + " differs by " + diff);
        }
    }

    @Test
    void aSentenceGetsTheSameVectorAloneAndInOneRequestOf16() throws Exception {
        int before = observer.batches.size();
        List<Embedding> batched = engine.embed(Sentences.MIXED).get();
        assertEquals(16, observer.batches.get(before).inputs(), "one batch held all 16: " + observer.batches);
        for (int i = 0; i < Sentences.MIXED.size(); i++) {
            double diff = Vectors.maxAbsDiff(alone(engine, Sentences.MIXED.get(i)), batched.get(i).vector());
            assertTrue(diff <= SAME, Sentences.MIXED.get(i) + " differs by " + diff);
        }
    }

    @Test
    void concurrentRequestsOfMixedLengthsGetTheirOwnVectors() throws Exception {
        List<List<String>> requests = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            requests.add(List.of(Sentences.MIXED.get(i), Sentences.MIXED.get((i * 7 + 3) % 16),
                    Sentences.MIXED.get((i * 5 + 1) % 16)).subList(0, 1 + i % 3));
        }
        List<List<Embedding>> results = embedConcurrently(requests);
        for (int r = 0; r < requests.size(); r++) {
            assertEquals(requests.get(r).size(), results.get(r).size());
            for (int i = 0; i < requests.get(r).size(); i++) {
                float[] expected = alone(engine, requests.get(r).get(i));
                assertTrue(Vectors.maxAbsDiff(expected, results.get(r).get(i).vector()) <= SAME,
                        "request " + r + " input " + i);
            }
        }
    }

    @Test
    void aListLongerThanBatchSizeIsSplitAcrossBatches() throws Exception {
        RecordingObserver small = new RecordingObserver();
        try (EmbeddingEngine batchOf4 = load(OptionalInt.of(256), false, 4, small)) {
            List<Embedding> embeddings = batchOf4.embed(Sentences.MIXED.subList(0, 10)).get();
            assertEquals(10, embeddings.size());
            assertEquals(10, small.totalInputs());
            assertTrue(small.batches.size() >= 3 && small.largestBatch() <= 4, small.batches.toString());
            for (int i = 0; i < 10; i++) {
                double diff = Vectors.maxAbsDiff(alone(engine, Sentences.MIXED.get(i)), embeddings.get(i).vector());
                assertTrue(diff <= SAME, "input " + i + " differs by " + diff);
            }
        }
    }

    @Test
    void truncationCutsALongInputToMaxModelLen() throws Exception {
        try (EmbeddingEngine truncating = load(OptionalInt.of(32), true, 16, BatchObserver.NONE)) {
            List<Embedding> embeddings = truncating.embed(List.of("Short.", Sentences.longText())).get();
            assertEquals(32, embeddings.get(1).promptTokens());
            assertEquals(1.0, Vectors.norm(embeddings.get(1).vector()), 1e-5);
            assertTrue(embeddings.get(0).promptTokens() < 32);
        }
    }

    @Test
    void withoutTruncationALongInputIsRejectedByIndex() throws Exception {
        try (EmbeddingEngine strict = load(OptionalInt.of(32), false, 16, BatchObserver.NONE)) {
            InputTooLongException e = assertThrows(InputTooLongException.class,
                    () -> strict.embed(List.of("Short.", "Also short.", Sentences.longText())));
            assertEquals(2, e.index());
            assertEquals(32, e.maxModelLen());
            assertTrue(e.tokens() > 128, "tokenizer.json's own truncation at 128 is off: " + e.tokens());
            assertEquals("input[2] has " + e.tokens() + " tokens, more than max_model_len 32; shorten it or set "
                    + "option.truncate=true", e.getMessage());
        }
    }

    @Test
    void drainFinishesQueuedWorkAndRefusesNewWork() throws Exception {
        try (EmbeddingEngine draining = load(OptionalInt.empty(), false, 16, BatchObserver.NONE)) {
            assertEquals(512, draining.maxModelLen(), "no config.json: the fallback");
            List<CompletableFuture<List<Embedding>>> queued = new ArrayList<>();
            for (String sentence : Sentences.MIXED) {
                queued.add(draining.embed(List.of(sentence)));
            }
            assertTrue(draining.drain(Duration.ofSeconds(30)));
            queued.forEach(f -> assertTrue(f.isDone() && !f.isCompletedExceptionally()));
            assertThrows(IllegalStateException.class, () -> draining.embed(List.of("late")));
        }
    }

    /** Sends each request from its own thread, all released at once, and returns the results in order. */
    private static List<List<Embedding>> embedConcurrently(List<List<String>> requests) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(requests.size());
        try {
            CyclicBarrier start = new CyclicBarrier(requests.size());
            List<Future<List<Embedding>>> futures = new ArrayList<>();
            for (List<String> request : requests) {
                futures.add(clients.submit(() -> {
                    start.await();
                    return engine.embed(request).get();
                }));
            }
            List<List<Embedding>> results = new ArrayList<>();
            for (Future<List<Embedding>> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            clients.shutdownNow();
        }
    }
}
