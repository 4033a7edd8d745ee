package ai.lmi.engines.embedding;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Recognises a model directory the embedding engine can serve: an ONNX or TorchScript encoder plus its tokenizer. */
public final class EmbeddingModelFiles {

    static final String ONNX_FILE = "model.onnx";
    static final String TOKENIZER_FILE = "tokenizer.json";
    static final String CONFIG_FILE = "config.json";

    private EmbeddingModelFiles() {}

    /**
     * True when {@code dir} has {@code model.onnx} or exactly one {@code *.pt}, plus {@code tokenizer.json}, and no
     * {@code *.safetensors} (a directory with safetensors weights is a Hugging Face checkpoint for the worker).
     */
    public static boolean isEmbeddingModel(Path dir) {
        try {
            return Files.isRegularFile(dir.resolve(TOKENIZER_FILE))
                    && filesEndingWith(dir, ".safetensors").isEmpty()
                    && modelFile(dir).isPresent();
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /** The encoder file: {@code model.onnx} if present, else the only {@code *.pt}. */
    static Optional<Path> modelFile(Path dir) {
        Path onnx = dir.resolve(ONNX_FILE);
        if (Files.isRegularFile(onnx)) {
            return Optional.of(onnx);
        }
        List<Path> torchScript = filesEndingWith(dir, ".pt");
        return torchScript.size() == 1 ? Optional.of(torchScript.get(0)) : Optional.empty();
    }

    static boolean isOnnx(Path modelFile) {
        return modelFile.getFileName().toString().endsWith(".onnx");
    }

    private static List<Path> filesEndingWith(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
