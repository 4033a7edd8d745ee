package ai.lmi.bench;

import java.util.Arrays;

/**
 * Text prompts that the model's tokenizer encodes to exactly {@code promptTokens} tokens, special tokens not
 * counted. Random ids are decoded to text; re-encoding that text rarely gives the same count (words merge, byte
 * tokens become replacement characters), so the text is cut back or extended and encoded again until it does.
 * A WordPiece tokenizer's ids are drawn from its whole words only, so that its prompts read as words. The first
 * {@code sharedPrefixTokens} tokens are the same text in every prompt.
 */
final class TextPrompts implements PromptSource {

    // A few adjustments settle almost every draw; a draw that oscillates is replaced by a fresh one.
    private static final int MAX_ADJUSTMENTS = 32;
    private static final int MAX_DRAWS = 100;

    private final BenchTokenizer tokenizer;
    private final int promptTokens;
    private final String head;
    private final int[] headIds;
    private final RandomTokens random;

    TextPrompts(BenchTokenizer tokenizer, int promptTokens, int sharedPrefixTokens, int vocabSize, long seed) {
        if (sharedPrefixTokens > promptTokens) {
            throw new IllegalArgumentException("shared prefix " + sharedPrefixTokens + " > prompt " + promptTokens);
        }
        this.tokenizer = tokenizer;
        this.promptTokens = promptTokens;
        RandomTokens prefix = draws(tokenizer, vocabSize, Seeds.derive(seed, Seeds.SHARED_PREFIX));
        this.head = sharedPrefixTokens == 0 ? "" : exactText(sharedPrefixTokens, "", new int[0], prefix);
        this.headIds = tokenizer.encode(head);
        this.random = draws(tokenizer, vocabSize, Seeds.derive(seed, Seeds.PROMPTS));
    }

    /** Whole words below {@code vocabSize} when the tokenizer has them, else every id below it. */
    private static RandomTokens draws(BenchTokenizer tokenizer, int vocabSize, long seed) {
        int[] words = Arrays.stream(tokenizer.wholeWordIds()).filter(id -> id < vocabSize).toArray();
        return words.length > 0 ? new RandomTokens(words, seed) : new RandomTokens(vocabSize, seed);
    }

    @Override
    public Prompt next() {
        return Prompt.text(exactText(promptTokens, head, headIds, random), promptTokens);
    }

    /** Text of exactly {@code count} tokens whose encoding starts with {@code headIds}, those of {@code head}. */
    private String exactText(int count, String head, int[] headIds, RandomTokens random) {
        if (count == headIds.length) {
            return head;
        }
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            String tail = tokenizer.decode(random.next(count - headIds.length));
            for (int adjustment = 0; adjustment < MAX_ADJUSTMENTS; adjustment++) {
                String text = join(head, tail);
                int[] ids = tokenizer.encode(text);
                if (!startsWith(ids, headIds)) {
                    // The tail merged into the shared prefix's last token: that prompt would not share it.
                    break;
                }
                if (ids.length == count) {
                    return text;
                }
                tail = ids.length > count
                        ? tokenizer.decode(Arrays.copyOfRange(ids, headIds.length, count))
                        : tail + tokenizer.decode(random.next(count - ids.length));
            }
        }
        throw new IllegalStateException("no text of exactly " + count + " tokens after " + MAX_DRAWS + " draws");
    }

    private static String join(String head, String tail) {
        // A space keeps the tail's first word apart from the prefix's last one.
        return head.isEmpty() ? tail : head + " " + tail;
    }

    private static boolean startsWith(int[] ids, int[] prefix) {
        return ids.length >= prefix.length && Arrays.equals(ids, 0, prefix.length, prefix, 0, prefix.length);
    }
}
