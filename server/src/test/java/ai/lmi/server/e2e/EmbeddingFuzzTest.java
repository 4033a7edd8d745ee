package ai.lmi.server.e2e;

import org.junit.jupiter.api.Test;

/** The fuzzer of {@link GenerationFuzzTest} against a real server of all-MiniLM-L6-v2, aimed at its schemas. */
class EmbeddingFuzzTest extends MiniLmServerTest {

    @Test
    void everyAnswerIsWellFormedAndTheServerEndsIdle() throws InterruptedException {
        Fuzzer.fuzz(server, "embedding", 300);
    }
}
