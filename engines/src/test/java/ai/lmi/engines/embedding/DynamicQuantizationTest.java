package ai.lmi.engines.embedding;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DynamicQuantizationTest {

    @TempDir
    Path dir;

    @Test
    void findsTheOpInTheInt8MiniLm() throws IOException {
        Path miniLm = MiniLmExample.layOut(dir.resolve("minilm"));
        assertTrue(DynamicQuantization.inGraph(miniLm.resolve(EmbeddingModelFiles.ONNX_FILE)));
    }

    @Test
    void findsItAcrossTheReadBufferBoundaryAndNotWhereItIsAbsent() throws IOException {
        byte[] op = "DynamicQuantizeLinear".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new byte[(1 << 20) + 100];
        Arrays.fill(bytes, (byte) 'x');
        Path absent = Files.write(dir.resolve("absent.onnx"), bytes);
        assertFalse(DynamicQuantization.inGraph(absent));
        System.arraycopy(op, 0, bytes, (1 << 20) - 10, op.length);
        Path straddling = Files.write(dir.resolve("straddling.onnx"), bytes);
        assertTrue(DynamicQuantization.inGraph(straddling));
    }
}
