package ai.lmi.server.tokenizer;

import java.util.Arrays;

/**
 * Turns one sequence's generated token ids into text as they arrive, with the prefix-offset /
 * read-offset method of vLLM and TGI: each new token is decoded together with the few tokens
 * before it, and only the text beyond what those decoded to alone is new.
 *
 * <p>Every chunk is final: the chunks (and {@link #flush()}) concatenate to exactly
 * {@code decode(all ids, skipSpecialTokens)}. So text is held back while it can still change:
 * <ul>
 *   <li>while the decoded text ends in U+FFFD, an unfinished UTF-8 character of a byte-level
 *       tokenizer;
 *   <li>while a run of byte-fallback tokens ({@code <0xE6><0x97><0xA5>}) is open. Such a run is
 *       decoded as a whole, and one stray byte turns all of it into U+FFFD, even characters that
 *       were complete; so a run is released when the next other token arrives, or at the end.
 * </ul>
 * Not thread-safe: one per sequence, used by one thread.
 */
public final class IncrementalDetokenizer {

    /** Prompt tokens kept as context, as vLLM does: enough for the decoder's word-boundary rules. */
    private static final int PROMPT_CONTEXT_TOKENS = 5;

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    /** Prompt context and generated ids, without specials when those are skipped; only the tail is used. */
    private int[] tokens;
    private int size;
    /** Start of the window decoded with each new token. */
    private int prefixOffset;
    /** End of the text already emitted: tokens before it are accounted for. */
    private int readOffset;
    /** decode(tokens[prefixOffset, readOffset)): the part of each window's text already emitted. */
    private String prefixText;

    private IncrementalDetokenizer(Tokenizer tokenizer, int[] context, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        this.tokens = Arrays.copyOf(context, Math.max(16, context.length * 2));
        this.size = context.length;
        this.prefixOffset = 0;
        this.readOffset = context.length;
        this.prefixText = tokenizer.decode(tokens, 0, size, skipSpecialTokens);
    }

    /** For a sequence decoded on its own: its first leading space is dropped, as decode drops it. */
    public static IncrementalDetokenizer start(Tokenizer tokenizer, boolean skipSpecialTokens) {
        return new IncrementalDetokenizer(tokenizer, new int[0], skipSpecialTokens);
    }

    /**
     * For text that continues a prompt: the chunks are what decoding prompt and output together
     * adds to the prompt's text, so a first token {@code ▁Paris} reads {@code " Paris"}. Exact
     * unless the prompt ends in the middle of a character (an open byte-fallback run, or part of
     * a byte-level character) that the output goes on with.
     */
    public static IncrementalDetokenizer afterPrompt(
            Tokenizer tokenizer, int[] promptIds, boolean skipSpecialTokens) {
        int[] kept = Arrays.stream(promptIds)
                .filter(id -> !(skipSpecialTokens && tokenizer.isSpecialToken(id)))
                .toArray();
        int from = Math.max(0, kept.length - PROMPT_CONTEXT_TOKENS);
        // A byte-fallback run decodes as a whole, so the context must not start inside one.
        while (from > 0
                && tokenizer.isByteFallbackToken(kept[from])
                && tokenizer.isByteFallbackToken(kept[from - 1])) {
            from--;
        }
        int[] context = Arrays.copyOfRange(kept, from, kept.length);
        return new IncrementalDetokenizer(tokenizer, context, skipSpecialTokens);
    }

    /** The text that {@code tokenId} completes; often empty, never a part of a character. */
    public String next(int tokenId) {
        if (skipSpecialTokens && tokenizer.isSpecialToken(tokenId)) {
            return "";
        }
        if (size == tokens.length) {
            makeRoom();
        }
        tokens[size++] = tokenId;
        if (tokenizer.isByteFallbackToken(tokenId)) {
            return "";
        }
        return emit(false);
    }

    /** The text still held back; call once at the end of the sequence. */
    public String flush() {
        return emit(true);
    }

    // Tokens before the window are never decoded again, so a long sequence keeps only its tail.
    private void makeRoom() {
        System.arraycopy(tokens, prefixOffset, tokens, 0, size - prefixOffset);
        size -= prefixOffset;
        readOffset -= prefixOffset;
        prefixOffset = 0;
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
        }
    }

    private String emit(boolean atEnd) {
        if (readOffset == size) {
            return "";
        }
        String text = tokenizer.decode(tokens, prefixOffset, size, skipSpecialTokens);
        // Nothing new yet (the token added no text), or a byte-level character still unfinished.
        boolean unfinished = text.length() <= prefixText.length() || text.endsWith("\uFFFD");
        if (unfinished && !atEnd) {
            return "";
        }
        String chunk = text.length() > prefixText.length() ? text.substring(prefixText.length()) : "";
        prefixText = tokenizer.decode(tokens, readOffset, size, skipSpecialTokens);
        prefixOffset = readOffset;
        readOffset = size;
        return chunk;
    }
}
