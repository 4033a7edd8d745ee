package ai.lmi.server.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.OptionalInt;
import java.util.Set;

/** A model's BOS id and every id that ends generation, gathered from its config files. */
record SpecialTokenIds(OptionalInt bos, OptionalInt tokenizerEos, Set<Integer> eos) {

    /**
     * BOS is tokenizer_config.json's {@code bos_token}, else config.json's or generation_config.json's
     * {@code bos_token_id}. EOS is the union of generation_config.json's and config.json's
     * {@code eos_token_id} (a number or a list) and tokenizer_config.json's {@code eos_token}: chat
     * models often end turns with a token (Llama 3's {@code <|eot_id|>}) that only one of them names.
     */
    static SpecialTokenIds read(Path modelDir, TokenizerConfig config, Vocabulary vocabulary)
            throws IOException {
        JsonNode generationConfig = readJson(modelDir.resolve("generation_config.json"));
        JsonNode modelConfig = readJson(modelDir.resolve("config.json"));

        OptionalInt tokenizerBos = idOf(config.bosToken().orElse(null), vocabulary);
        OptionalInt bos = tokenizerBos.isPresent() ? tokenizerBos
                : firstId(modelConfig.path("bos_token_id"), generationConfig.path("bos_token_id"));

        OptionalInt tokenizerEos = idOf(config.eosToken().orElse(null), vocabulary);
        Set<Integer> eos = new LinkedHashSet<>();
        addIds(generationConfig.path("eos_token_id"), eos);
        addIds(modelConfig.path("eos_token_id"), eos);
        tokenizerEos.ifPresent(eos::add);
        return new SpecialTokenIds(bos, tokenizerEos, Collections.unmodifiableSet(eos));
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file)
                ? new ObjectMapper().readTree(file.toFile())
                : new ObjectMapper().createObjectNode();
    }

    private static OptionalInt idOf(String token, Vocabulary vocabulary) {
        return token == null ? OptionalInt.empty() : vocabulary.idOf(token);
    }

    private static OptionalInt firstId(JsonNode... nodes) {
        for (JsonNode node : nodes) {
            if (node.isInt()) {
                return OptionalInt.of(node.intValue());
            }
        }
        return OptionalInt.empty();
    }

    private static void addIds(JsonNode node, Set<Integer> ids) {
        if (node.isInt()) {
            ids.add(node.intValue());
        }
        for (JsonNode element : node) {
            if (element.isInt()) {
                ids.add(element.intValue());
            }
        }
    }
}
