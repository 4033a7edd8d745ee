package ai.lmi.server.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    /**
     * Replaces the weights with bytes that are no safetensors file. A new file is moved over the old one: a running
     * worker maps the old file, and writing into it would crash that worker (SIGBUS) before the test means to.
     */
    static void breakWeights(Path dir) {
        try {
            Path broken = Files.writeString(dir.resolve(WEIGHTS + ".broken"), "not a safetensors file",
                    StandardCharsets.UTF_8);
            Files.move(broken, dir.resolve(WEIGHTS), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
