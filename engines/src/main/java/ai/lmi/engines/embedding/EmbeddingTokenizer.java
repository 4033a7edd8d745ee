package ai.lmi.engines.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns texts into the token id rows the encoder takes, special tokens added, checked against max_model_len.
 *
 * <p>The padding and truncation a {@code tokenizer.json} may carry (all-MiniLM-L6-v2's pads every input to 128) are
 * switched off: the batcher pads each batch to its own longest row, and max_model_len, not the file, decides length.
 */
final class EmbeddingTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer whole;
    /** Cuts to maxModelLen keeping the special tokens; null when truncation is off. */
    private final HuggingFaceTokenizer truncating;
    private final int maxModelLen;

    private EmbeddingTokenizer(HuggingFaceTokenizer whole, HuggingFaceTokenizer truncating, int maxModelLen) {
        this.whole = whole;
        this.truncating = truncating;
        this.maxModelLen = maxModelLen;
    }

    static EmbeddingTokenizer load(Path tokenizerJson, int maxModelLen, boolean truncate) throws IOException {
        try {
            HuggingFaceTokenizer whole = builder(tokenizerJson).optTruncation(false).build();
            HuggingFaceTokenizer truncating = truncate
                    ? builder(tokenizerJson).optTruncation(true).optMaxLength(maxModelLen).build()
                    : null;
            return new EmbeddingTokenizer(whole, truncating, maxModelLen);
        } catch (RuntimeException e) {
            throw new IOException("cannot load " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    private static HuggingFaceTokenizer.Builder builder(Path tokenizerJson) {
        return HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerJson)
                .optAddSpecialTokens(true)
                .optPadding(false);
    }

    /**
     * One row of token ids per text, in order.
     *
     * @throws InputTooLongException for the first text longer than maxModelLen when truncation is off
     * @throws NoTokensException for the first text that has no tokens at all
     */
    List<long[]> encode(List<String> texts) {
        Encoding[] encodings = whole.batchEncode(texts);
        List<long[]> rows = new ArrayList<>(encodings.length);
        for (int i = 0; i < encodings.length; i++) {
            long[] ids = encodings[i].getIds();
            if (ids.length == 0) {
                throw new NoTokensException(i);
            }
            if (ids.length > maxModelLen) {
                if (truncating == null) {
                    throw new InputTooLongException(i, ids.length, maxModelLen);
                }
                ids = truncating.encode(texts.get(i)).getIds();
            }
            rows.add(ids);
        }
        return rows;
    }

    @Override
    public void close() {
        whole.close();
        if (truncating != null) {
            truncating.close();
        }
    }
}
