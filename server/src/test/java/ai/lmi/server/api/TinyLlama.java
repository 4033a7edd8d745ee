package ai.lmi.server.api;

import ai.lmi.server.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;

/**
 * The real tokenizer of the {@code tiny-llama} test model ({@code -Dlmi.testdata}), loaded once per JVM; and
 * a copy of the model directory with a chat template, since tiny-llama itself has none.
 */
public final class TinyLlama {

    public static final String NAME = "tiny-llama";
    public static final int MAX_MODEL_LEN = 512;
    /** A Zephyr-style template: short, and its output is easy to predict in assertions. */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}<|{{ message['role'] }}|>\\n"
            + "{{ message['content'] }}</s>\\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\\n{% endif %}";

    private static Tokenizer tokenizer;
    private static Tokenizer chatTokenizer;

    private TinyLlama() {}

    public static Path directory() {
        String testdata = System.getProperty("lmi.testdata");
        if (testdata == null) {
            throw new IllegalStateException("set -Dlmi.testdata to the shared testdata directory");
        }
        return Path.of(testdata, NAME);
    }

    public static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = load(directory());
        }
        return tokenizer;
    }

    /** tiny-llama's tokenizer with {@link #CHAT_TEMPLATE} added to its tokenizer_config.json. */
    public static synchronized Tokenizer chatTokenizer() {
        if (chatTokenizer == null) {
            try {
                Path dir = Files.createTempDirectory("tiny-llama-chat");
                Files.copy(directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
                Files.copy(directory().resolve("config.json"), dir.resolve("config.json"));
                String config = Files.readString(directory().resolve("tokenizer_config.json"));
                Files.writeString(dir.resolve("tokenizer_config.json"),
                        config.replaceFirst("\\{", Matcher.quoteReplacement(
                                "{\n  \"chat_template\": \"" + CHAT_TEMPLATE + "\",")));
                chatTokenizer = load(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return chatTokenizer;
    }

    public static ServedModel model() {
        return new ServedModel(NAME, MAX_MODEL_LEN, tokenizer());
    }

    public static ServedModel chatModel() {
        return new ServedModel(NAME, MAX_MODEL_LEN, chatTokenizer());
    }

    private static Tokenizer load(Path dir) {
        try {
            return Tokenizer.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
