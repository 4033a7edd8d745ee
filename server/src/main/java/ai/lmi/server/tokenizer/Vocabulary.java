package ai.lmi.server.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/** The token strings of a {@code tokenizer.json} by id, and which ids are special or byte-fallback tokens. */
final class Vocabulary {

    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");

    /** Token string of each id; null where the file leaves an id unused. */
    private final String[] tokens;
    /** Added tokens marked {@code "special": true}: what decode(..., skipSpecialTokens) drops. */
    private final BitSet special;
    /** {@code <0xNN>} tokens that the decoder turns into raw bytes (only with a ByteFallback decoder). */
    private final BitSet byteFallback;
    /** Whether a ByteLevel decoder maps each character of a token string to one byte (GPT-2's alphabet). */
    private final boolean byteLevel;

    private Vocabulary(String[] tokens, BitSet special, BitSet byteFallback, boolean byteLevel) {
        this.tokens = tokens;
        this.special = special;
        this.byteFallback = byteFallback;
        this.byteLevel = byteLevel;
    }

    static Vocabulary read(Path tokenizerJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        JsonNode vocab = root.path("model").path("vocab");
        JsonNode added = root.path("added_tokens");

        int size = 0;
        // BPE, WordPiece and WordLevel store {token: id}; Unigram stores [[token, score], ...] by id.
        if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                size = Math.max(size, id.asInt() + 1);
            }
        } else {
            size = vocab.size();
        }
        for (JsonNode token : added) {
            size = Math.max(size, token.path("id").asInt() + 1);
        }

        String[] tokens = new String[size];
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                tokens[entry.getValue().asInt()] = entry.getKey();
            }
        } else {
            for (int id = 0; id < vocab.size(); id++) {
                tokens[id] = vocab.get(id).path(0).asText();
            }
        }
        BitSet special = new BitSet(size);
        for (JsonNode token : added) {
            int id = token.path("id").asInt();
            tokens[id] = token.path("content").asText();
            if (token.path("special").asBoolean()) {
                special.set(id);
            }
        }
        BitSet byteFallback = new BitSet(size);
        if (hasDecoder(root.path("decoder"), "ByteFallback")) {
            for (int id = 0; id < size; id++) {
                if (tokens[id] != null && !special.get(id) && BYTE_TOKEN.matcher(tokens[id]).matches()) {
                    byteFallback.set(id);
                }
            }
        }
        return new Vocabulary(tokens, special, byteFallback, hasDecoder(root.path("decoder"), "ByteLevel"));
    }

    private static boolean hasDecoder(JsonNode decoder, String type) {
        if (type.equals(decoder.path("type").asText())) {
            return true;
        }
        for (JsonNode inner : decoder.path("decoders")) {
            if (hasDecoder(inner, type)) {
                return true;
            }
        }
        return false;
    }

    /** One more than the largest id, counting added tokens: the number of ids decode understands. */
    int size() {
        return tokens.length;
    }

    /** The token string of {@code id} as stored, e.g. {@code ▁Hello} or {@code <0xE6>}; null if unused. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /** The id whose token string is {@code token}; only used at load time, so a linear scan. */
    OptionalInt idOf(String token) {
        for (int id = 0; id < tokens.length; id++) {
            if (token.equals(tokens[id])) {
                return OptionalInt.of(id);
            }
        }
        return OptionalInt.empty();
    }

    boolean isSpecial(int id) {
        return id >= 0 && special.get(id);
    }

    boolean isByteFallback(int id) {
        return id >= 0 && byteFallback.get(id);
    }

    boolean isByteLevel() {
        return byteLevel;
    }
}
