package ai.lmi.bench;

import java.nio.file.Path;

/**
 * Where prompts come from: synthetic prompts of {@code promptTokens} tokens, or a prompts file.
 *
 * @param tokenizer a model directory with tokenizer.json; null when not given
 * @param vocabSize null to take the tokenizer's, or 32000 without one
 * @param bosId the first id of every token-id prompt; -1 for none
 * @param promptsFile null for synthetic prompts
 */
public record PromptOptions(
        int promptTokens, PromptFormat format, Path tokenizer, Integer vocabSize, int bosId, int sharedPrefixTokens,
        Path promptsFile) {

    static final int DEFAULT_VOCAB_SIZE = 32000;
}
