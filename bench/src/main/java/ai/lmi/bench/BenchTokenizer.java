package ai.lmi.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A model's {@code tokenizer.json} run by DJL's Hugging Face tokenizers library, offline. Counts never include
 * the special tokens (BOS, or BERT's [CLS] and [SEP]) that a server adds to a text prompt.
 */
final class BenchTokenizer implements AutoCloseable {

    // DJL defaults to truncating at 512 tokens and padding; every token must be counted.
    private static final Map<String, String> DJL_OPTIONS =
            Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");
    // Read by ai.djl.util.Utils.isOfflineMode(): without it DJL sends telemetry on EC2 and, on a CUDA
    // machine, downloads a CUDA build of the native library.
    private static final String OFFLINE_PROPERTY = "ai.djl.offline";

    // A WordPiece vocabulary entry that is a whole word on its own, not a "##" continuation or "[unused7]".
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z]+");

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final int[] wholeWordIds;

    private BenchTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, int[] wholeWordIds) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.wholeWordIds = wholeWordIds;
    }

    /** Loads {@code modelDir/tokenizer.json}; the model directory is the only place read. */
    static BenchTokenizer load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer.json");
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty(OFFLINE_PROPERTY) == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
        JsonNode tokenizerJson = Json.MAPPER.readTree(file.toFile());
        try (InputStream in = Files.newInputStream(file)) {
            return new BenchTokenizer(HuggingFaceTokenizer.newInstance(in, DJL_OPTIONS), vocabSize(tokenizerJson),
                    wholeWordIds(tokenizerJson));
        }
    }

    /** The ids of plain whole words in a WordPiece vocabulary, ascending; none for other models. */
    private static int[] wholeWordIds(JsonNode tokenizerJson) {
        JsonNode model = tokenizerJson.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            return new int[0];
        }
        List<Integer> ids = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> entries = model.path("vocab").fields(); entries.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = entries.next();
            if (PLAIN_WORD.matcher(entry.getKey()).matches()) {
                ids.add(entry.getValue().asInt());
            }
        }
        return ids.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** One more than the largest token id in the vocabulary and the added tokens. */
    private static int vocabSize(JsonNode tokenizerJson) {
        int largest = -1;
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isArray()) {
            // Unigram: a list of [piece, score], the id being the position.
            largest = vocab.size() - 1;
        } else {
            for (Iterator<JsonNode> ids = vocab.elements(); ids.hasNext(); ) {
                largest = Math.max(largest, ids.next().asInt());
            }
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            largest = Math.max(largest, added.path("id").asInt());
        }
        return largest + 1;
    }

    int vocabSize() {
        return vocabSize;
    }

    /**
     * For a WordPiece tokenizer (BERT-style models), the ids of vocabulary entries that are whole words of plain
     * letters, ascending; empty for other tokenizers. Random WordPiece ids decode to "##" word pieces and
     * "[unusedN]" placeholders, which do not read as sentences.
     */
    int[] wholeWordIds() {
        return wholeWordIds.clone();
    }

    /** The ids of {@code text}, special tokens not added. */
    int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = (int) ids[i];
        }
        return result;
    }

    /** The text of {@code ids}, special tokens left out. */
    String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
