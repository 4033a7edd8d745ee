package ai.lmi.bench;

/**
 * One prompt to send: token ids or text.
 *
 * @param tokenIds null for a text prompt
 * @param text null for a token-id prompt
 * @param tokenCount the prompt's tokens as generated, special tokens a server adds left out; 0 when unknown
 * @param maxTokens the prompt file's {@code max_tokens} for it; null to draw from {@code --max-tokens}
 */
record Prompt(int[] tokenIds, String text, int tokenCount, Integer maxTokens) {

    static Prompt ids(int[] tokenIds) {
        return new Prompt(tokenIds, null, tokenIds.length, null);
    }

    static Prompt text(String text, int tokenCount) {
        return new Prompt(null, text, tokenCount, null);
    }
}
