package ai.lmi.server.e2e;

import ai.lmi.server.api.TinyLlama;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A thousand malformed and hostile requests from tests/fuzz/fuzz.py to every route of a real tiny-llama server
 * with its real worker: only well-formed 2xx and 4xx answers, and afterwards a healthy, idle server. The model gets
 * a chat template, so that chat requests are served and their messages go through it.
 */
class GenerationFuzzTest extends SharedServerTest {

    @Override
    TestServer start(Path work) {
        return TestServer.start(TestServer.tinyLlamaWithChatTemplate(work.resolve(TinyLlama.NAME)),
                "--option.kv_cache_bytes", "16m");
    }

    @Test
    void everyAnswerIsWellFormedAndTheServerEndsIdle() throws InterruptedException {
        Fuzzer.fuzz(server, "generation", 1000);
    }
}
