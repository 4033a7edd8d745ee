package ai.lmi.server.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a GPT-2-style byte-level tokenizer (the family of Llama 3 and Qwen): ids 0-255 are the
 * 256 bytes, 256 is a special {@code <|endoftext|>}. Unlike byte fallback, its decoder joins all
 * bytes and replaces each invalid UTF-8 sequence with U+FFFD, so it exercises the other way a
 * character can be cut in half.
 */
final class ByteLevelTokenizerJson {

    static final int END_OF_TEXT = 256;

    private ByteLevelTokenizerJson() {}

    /** A model directory under {@code dir} holding the tokenizer.json. */
    static Path write(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode endOfText = root.putArray("added_tokens").addObject();
        endOfText.put("id", END_OF_TEXT).put("content", "<|endoftext|>").put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(json));
        root.putNull("post_processor");
        root.set("decoder", byteLevel(json));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        int[] byteToChar = byteToChar();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf((char) byteToChar[b]), b);
        }
        model.putArray("merges");
        Path modelDir = Files.createDirectories(dir.resolve("byte-level"));
        json.writeValue(modelDir.resolve("tokenizer.json").toFile(), root);
        return modelDir;
    }

    private static ObjectNode byteLevel(ObjectMapper json) {
        return json.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
    }

    // GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest map to U+0100 and up.
    private static int[] byteToChar() {
        int[] map = new int[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? b : next++;
        }
        return map;
    }
}
