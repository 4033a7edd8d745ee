package ai.lmi.server.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.lmi.engines.embedding.DjlOfflineMode;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A model's tokenizer: its Hugging Face {@code tokenizer.json} run by DJL's native tokenizers
 * library, with {@code tokenizer_config.json}'s BOS/EOS rules and chat template. Thread-safe.
 *
 * <h2>Offline</h2>
 * The native library ships inside the DJL jar. On first use DJL copies it to
 * {@code $ENGINE_CACHE_DIR/tokenizers/} or {@code $DJL_CACHE_DIR/tokenizers/} (default
 * {@code ~/.djl.ai/tokenizers/}, or {@code $TMPDIR/.djl.ai/} when the home directory is not
 * writable) and loads it from there, so that directory must be writable once. Loading switches
 * DJL to offline mode ({@link DjlOfflineMode}) unless {@code DJL_OFFLINE} or {@code ai.djl.offline}
 * is already set: otherwise DJL would send telemetry on EC2 and, on a CUDA machine, try to
 * download a CUDA build of the library. The model is read from the given directory only; DJL's
 * hub loader ({@code newInstance(String)}) is never used.
 */
public final class Tokenizer implements Closeable {

    // DJL defaults to truncating at 512 tokens and padding; a server must see every token.
    private static final Map<String, String> DJL_OPTIONS =
            Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final Vocabulary vocabulary;
    private final SpecialTokenIds specialTokenIds;
    private final SpecialTokenRule specialTokenRule;
    private final ChatTemplate chatTemplate;
    /** A plain token put before a token to decode it with its leading space; -1 if none. */
    private final int textAnchorId;
    private final ConcurrentMap<Integer, String> tokenTexts = new ConcurrentHashMap<>();

    private Tokenizer(
            HuggingFaceTokenizer tokenizer,
            Vocabulary vocabulary,
            SpecialTokenIds specialTokenIds,
            SpecialTokenRule specialTokenRule,
            ChatTemplate chatTemplate) {
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.specialTokenIds = specialTokenIds;
        this.specialTokenRule = specialTokenRule;
        this.chatTemplate = chatTemplate;
        long[] anchor = tokenizer.encode("a", false, false).getIds();
        this.textAnchorId = anchor.length == 0 ? -1 : (int) anchor[anchor.length - 1];
    }

    /** Loads a model directory's tokenizer.json, tokenizer_config.json and EOS ids. */
    public static Tokenizer load(Path modelDir) throws IOException {
        Path tokenizerJson = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException("no tokenizer.json in " + modelDir);
        }
        TokenizerConfig config = TokenizerConfig.read(modelDir);
        Vocabulary vocabulary = Vocabulary.read(tokenizerJson);
        SpecialTokenIds ids = SpecialTokenIds.read(modelDir, config, vocabulary);
        String modelName = String.valueOf(modelDir.toAbsolutePath().normalize().getFileName());
        ChatTemplate chatTemplate =
                ChatTemplate.of(modelName, ChatTemplate.source(modelDir, config), config);

        DjlOfflineMode.enable();
        HuggingFaceTokenizer tokenizer;
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            // The stream variant applies none of DJL's own tokenizer_config.json handling (clean-up
            // of spaces in decode, prefix spaces, lower-casing), which transformers does not do either.
            tokenizer = HuggingFaceTokenizer.newInstance(in, DJL_OPTIONS);
        }
        return new Tokenizer(tokenizer, vocabulary, ids, SpecialTokenRule.of(config, ids), chatTemplate);
    }

    /** Token ids of {@code text}; with special tokens, BOS/EOS as the model adds them to a prompt. */
    public int[] encode(String text, boolean addSpecialTokens) {
        if (!addSpecialTokens) {
            return toInts(tokenizer.encode(text, false, false).getIds());
        }
        if (!specialTokenRule.fromConfig()) {
            return toInts(tokenizer.encode(text, true, false).getIds());
        }
        int[] body = toInts(tokenizer.encode(text, false, false).getIds());
        int[] ids = new int[body.length + specialTokenRule.count()];
        int at = 0;
        if (specialTokenRule.prepend().isPresent()) {
            ids[at++] = specialTokenRule.prepend().getAsInt();
        }
        System.arraycopy(body, 0, ids, at, body.length);
        if (specialTokenRule.append().isPresent()) {
            ids[ids.length - 1] = specialTokenRule.append().getAsInt();
        }
        return ids;
    }

    /** The text of {@code ids}; ids outside the vocabulary decode to nothing. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, 0, ids.length, skipSpecialTokens);
    }

    /** The text of {@code ids[from, to)}. */
    String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
        long[] window = new long[to - from];
        for (int i = from; i < to; i++) {
            window[i - from] = ids[i];
        }
        return tokenizer.decode(window, skipSpecialTokens);
    }

    /** The number of ids the tokenizer knows, added tokens included; config.json's vocab_size may be larger. */
    public int vocabSize() {
        return vocabulary.size();
    }

    /** The id a prompt starts with when the model adds BOS; empty for models without one. */
    public OptionalInt bosTokenId() {
        return specialTokenIds.bos();
    }

    /** Every id that ends generation: generation_config.json's, config.json's, tokenizer_config.json's. */
    public Set<Integer> eosTokenIds() {
        return specialTokenIds.eos();
    }

    /** True for added tokens marked special ({@code <s>}, {@code </s>}): what skipping specials drops. */
    public boolean isSpecialToken(int id) {
        return vocabulary.isSpecial(id);
    }

    /** True for a {@code <0xNN>} token that decodes to one raw byte of a UTF-8 character. */
    boolean isByteFallbackToken(int id) {
        return vocabulary.isByteFallback(id);
    }

    /**
     * How one token reads in a list of logprobs: its text with its leading space ({@code " Hello"}),
     * special tokens as written ({@code "</s>"}), and byte-fallback tokens as their name
     * ({@code "<0xE6>"}) since one byte of a character has no text of its own.
     */
    public String tokenText(int id) {
        if (id < 0 || id >= vocabulary.size()) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary of " + vocabulary.size() + " tokens");
        }
        return tokenTexts.computeIfAbsent(id, this::computeTokenText);
    }

    private String computeTokenText(int id) {
        if (vocabulary.isByteFallback(id)) {
            return vocabulary.token(id);
        }
        // Decoders drop a leading space at the start of a text; after an anchor token it survives.
        if (textAnchorId >= 0) {
            String anchor = decode(new int[] {textAnchorId}, false);
            String both = decode(new int[] {textAnchorId, id}, false);
            if (both.startsWith(anchor)) {
                return both.substring(anchor.length());
            }
        }
        return decode(new int[] {id}, false);
    }

    /**
     * The bytes token {@code id} adds to a text it continues (its leading space included), or null for a special
     * token, which adds no text: what structured output matches token by token. A byte-fallback token is its one
     * byte, a byte-level token (GPT-2's alphabet) the bytes its characters stand for.
     */
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= vocabulary.size() || vocabulary.isSpecial(id) || vocabulary.token(id) == null) {
            return null;
        }
        if (vocabulary.isByteFallback(id)) {
            return new byte[] {(byte) Integer.parseInt(vocabulary.token(id).substring(3, 5), 16)};
        }
        if (vocabulary.isByteLevel()) {
            return ByteLevelAlphabet.bytes(vocabulary.token(id));
        }
        return tokenText(id).getBytes(StandardCharsets.UTF_8);
    }

    /** Renders chat messages into a prompt with the model's chat template. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** Frees the native tokenizer; the instance must not be used afterwards. */
    @Override
    public void close() {
        tokenizer.close();
    }

    private static int[] toInts(long[] ids) {
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }
}
