package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quantized all-MiniLM-L6-v2, whose batches run row by row on a pool of threads. */
class RowByRowEncoderTest {

    @TempDir
    Path dir;

    @Test
    void aFailedBatchHasNoRowStillRunningWhenItFails() throws Exception {
        MiniLmExample.layOut(dir);
        RowByRowEncoder encoder = new RowByRowEncoder(
                DjlEncoder.load(dir.resolve(EmbeddingModelFiles.ONNX_FILE), new Pooler(Pooling.MEAN, true), 1), 2);
        try {
            List<long[]> batch = new ArrayList<>();
            // An id past the vocabulary: ONNX Runtime's Gather fails this row at once.
            batch.add(new long[] {101, 1_000_000, 102});
            for (int i = 0; i < 8; i++) {
                long[] row = new long[500];
                Arrays.fill(row, 7592);
                row[0] = 101;
                row[row.length - 1] = 102;
                batch.add(row);
            }
            assertThrows(RuntimeException.class, () -> encoder.encode(batch));

            // The batcher closes the model once the batch in flight is over: no row may be left running on it.
            List<String> running = threadsInOnnxRuntime();
            // Were one left, closing the model under it below would crash the JVM rather than fail this test.
            for (int i = 0; i < 100 && !threadsInOnnxRuntime().isEmpty(); i++) {
                Thread.sleep(100);
            }
            assertEquals(List.of(), running, "rows still running after encode() failed");

            long[] hello = {101, 7592, 102};
            assertEquals(1, encoder.encode(List.of(hello)).length, "the encoder still serves");
        } finally {
            encoder.close();
        }
    }

    private static List<String> threadsInOnnxRuntime() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(thread -> Arrays.stream(thread.getValue())
                        .anyMatch(frame -> frame.getClassName().equals("ai.onnxruntime.OrtSession")))
                .map(thread -> thread.getKey().getName())
                .toList();
    }
}
