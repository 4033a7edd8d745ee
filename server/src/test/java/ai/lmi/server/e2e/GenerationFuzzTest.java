package ai.lmi.server.e2e;

import ai.lmi.server.api.TinyLlama;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * A thousand malformed and hostile requests from tests/fuzz/fuzz.py to every route of a real tiny-llama server
 * with its real worker: only well-formed 2xx and 4xx answers, and afterwards a healthy, idle server. The model gets
 * a chat template, so that chat requests are served and their messages go through it.
 */
class GenerationFuzzTest extends SharedServerTest {

    @Override
    TestServer start(Path work) {
        return TestServer.start(withChatTemplate(work.resolve(TinyLlama.NAME)), "--option.kv_cache_bytes", "16m");
    }

    @Test
    void everyAnswerIsWellFormedAndTheServerEndsIdle() throws InterruptedException {
        Fuzzer.fuzz(server, "generation", 1000);
    }

    /** tiny-llama's files linked into {@code dir}, its tokenizer_config.json copied with a chat template added. */
    private static Path withChatTemplate(Path dir) {
        try {
            Files.createDirectories(dir);
            try (var files = Files.list(TestServer.tinyLlama())) {
                for (Path file : files.toList()) {
                    if (!file.getFileName().toString().equals("tokenizer_config.json")) {
                        Files.createSymbolicLink(dir.resolve(file.getFileName()), file);
                    }
                }
            }
            String config = Files.readString(TestServer.tinyLlama().resolve("tokenizer_config.json"));
            Files.writeString(dir.resolve("tokenizer_config.json"), config.replaceFirst("\\{",
                    Matcher.quoteReplacement("{\n  \"chat_template\": \"" + TinyLlama.CHAT_TEMPLATE + "\",")));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
