package ai.lmi.server.tokenizer;

import java.util.OptionalInt;

/**
 * Which special tokens encoding a prompt adds. Llama-style tokenizer_config.json files carry
 * {@code add_bos_token}/{@code add_eos_token}, and transformers rebuilds the post-processor from
 * them; without those keys, tokenizer.json's own post-processor decides.
 */
record SpecialTokenRule(boolean fromConfig, OptionalInt prepend, OptionalInt append) {

    static SpecialTokenRule of(TokenizerConfig config, SpecialTokenIds ids) {
        if (config.addBosToken().isEmpty() && config.addEosToken().isEmpty()) {
            return new SpecialTokenRule(false, OptionalInt.empty(), OptionalInt.empty());
        }
        // LlamaTokenizer's defaults when only one of the two keys is written.
        boolean addBos = config.addBosToken().orElse(true);
        boolean addEos = config.addEosToken().orElse(false);
        return new SpecialTokenRule(
                true,
                addBos ? ids.bos() : OptionalInt.empty(),
                addEos ? ids.tokenizerEos() : OptionalInt.empty());
    }

    /** How many ids the rule adds around the text's own. */
    int count() {
        return (prepend.isPresent() ? 1 : 0) + (append.isPresent() ? 1 : 0);
    }
}
