package ai.lmi.server.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A copy of tiny-llama that a test can break, so that its worker fails to load it. */
final class BrokenModel {

    static final String WEIGHTS = "model.safetensors";

    private BrokenModel() {}

    /** Copies tiny-llama's files into {@code dir}; returns {@code dir}. */
    static Path copyOfTinyLlama(Path dir) {
        try (Stream<Path> files = Files.list(TestServer.tinyLlama())) {
            Files.createDirectories(dir);
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the weights with bytes that are no safetensors file. */
    static void breakWeights(Path dir) {
        try {
            Files.writeString(dir.resolve(WEIGHTS), "not a safetensors file", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
