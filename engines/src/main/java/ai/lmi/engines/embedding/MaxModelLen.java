package ai.lmi.engines.embedding;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Decides the most tokens an input may have: the setting, else the model's position embeddings, else 512. */
final class MaxModelLen {

    private static final Logger LOG = LoggerFactory.getLogger(MaxModelLen.class);

    /** BERT's length; the common case for encoders that ship without a config.json. */
    static final int FALLBACK = 512;

    private MaxModelLen() {}

    static int resolve(Path modelDir, OptionalInt configured) throws IOException {
        OptionalInt positions = maxPositionEmbeddings(modelDir.resolve(EmbeddingModelFiles.CONFIG_FILE));
        if (configured.isPresent()) {
            int value = configured.getAsInt();
            // Past its position embeddings the model fails on every long input; say so at load instead.
            if (positions.isPresent() && value > positions.getAsInt()) {
                throw new IllegalArgumentException("max_model_len " + value
                        + " is more than the model's max_position_embeddings " + positions.getAsInt());
            }
            return value;
        }
        if (positions.isPresent()) {
            return positions.getAsInt();
        }
        LOG.warn("{} has no config.json with max_position_embeddings and option.max_model_len is not set; "
                + "using max_model_len {}", modelDir, FALLBACK);
        return FALLBACK;
    }

    private static OptionalInt maxPositionEmbeddings(Path configJson) throws IOException {
        if (!Files.isRegularFile(configJson)) {
            return OptionalInt.empty();
        }
        try (Reader reader = Files.newBufferedReader(configJson)) {
            JsonObject config = JsonUtils.GSON.fromJson(reader, JsonObject.class);
            JsonElement value = config == null ? null : config.get("max_position_embeddings");
            return value == null || !value.isJsonPrimitive() ? OptionalInt.empty() : OptionalInt.of(value.getAsInt());
        } catch (RuntimeException e) {
            throw new IOException(configJson + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
