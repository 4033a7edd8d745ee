package ai.lmi.server.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What a model's {@code tokenizer_config.json} says; every field is empty when the file or key is absent. */
record TokenizerConfig(
        Optional<Boolean> addBosToken,
        Optional<Boolean> addEosToken,
        Optional<String> bosToken,
        Optional<String> eosToken,
        Optional<String> unkToken,
        Optional<String> padToken,
        Optional<String> chatTemplate) {

    static final String FILE_NAME = "tokenizer_config.json";

    /** Reads {@code modelDir/tokenizer_config.json}; a model without one gets an all-empty config. */
    static TokenizerConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        return new TokenizerConfig(
                bool(root.get("add_bos_token")),
                bool(root.get("add_eos_token")),
                token(root.get("bos_token")),
                token(root.get("eos_token")),
                token(root.get("unk_token")),
                token(root.get("pad_token")),
                chatTemplate(root.get("chat_template")));
    }

    private static Optional<Boolean> bool(JsonNode node) {
        return node != null && node.isBoolean() ? Optional.of(node.booleanValue()) : Optional.empty();
    }

    // Saved either as a plain string or as a serialized AddedToken {"content": "<s>", ...}.
    private static Optional<String> token(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        JsonNode content = node.isObject() ? node.get("content") : node;
        return content != null && content.isTextual() ? Optional.of(content.textValue()) : Optional.empty();
    }

    // Either one template, or a list of named ones [{"name": "default", "template": ...}, ...]
    // of which transformers uses "default" for plain chat.
    private static Optional<String> chatTemplate(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            return Optional.of(node.textValue());
        }
        for (JsonNode named : node) {
            if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                return Optional.of(named.get("template").textValue());
            }
        }
        return Optional.empty();
    }
}
