package ai.lmi.server.e2e;

import org.junit.jupiter.api.Test;

/**
 * A thousand malformed and hostile requests from tests/fuzz/fuzz.py to every route of a real tiny-llama server
 * with its real worker: only well-formed 2xx and 4xx answers, and afterwards a healthy, idle server.
 */
class GenerationFuzzTest extends TinyLlamaServerTest {

    @Test
    void everyAnswerIsWellFormedAndTheServerEndsIdle() throws InterruptedException {
        Fuzzer.fuzz(server, "generation", 1000);
    }
}
