package ai.lmi.bench;

/**
 * Prompts of exactly {@code promptTokens} random token ids. The first {@code sharedPrefixTokens} ids (BOS
 * included) are the same in every prompt; without a shared prefix only the BOS is.
 */
final class TokenIdPrompts implements PromptSource {

    private final int promptTokens;
    private final int[] head;
    private final RandomTokens random;

    /** @param bosId put first; -1 for none */
    TokenIdPrompts(int promptTokens, int sharedPrefixTokens, int bosId, int vocabSize, long seed) {
        if (sharedPrefixTokens > promptTokens) {
            throw new IllegalArgumentException("shared prefix " + sharedPrefixTokens + " > prompt " + promptTokens);
        }
        this.promptTokens = promptTokens;
        // The prefix comes from its own stream, so every seed's prompts share it and later draws do not shift it.
        RandomTokens prefix = new RandomTokens(vocabSize, Seeds.derive(seed, Seeds.SHARED_PREFIX));
        if (bosId >= 0) {
            this.head = concat(new int[] {bosId}, prefix.next(Math.max(sharedPrefixTokens, 1) - 1));
        } else {
            this.head = prefix.next(sharedPrefixTokens);
        }
        this.random = new RandomTokens(vocabSize, Seeds.derive(seed, Seeds.PROMPTS));
    }

    @Override
    public Prompt next() {
        return Prompt.ids(concat(head, random.next(promptTokens - head.length)));
    }

    private static int[] concat(int[] first, int[] second) {
        int[] all = new int[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
