package ai.lmi.server.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class whose tests share one {@link TestServer#tinyLlamaServer()}: started before its first test, closed
 * after its last. One instance per class, so that the server is a field of that class alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TinyLlamaServerTest {

    TestServer server;

    @BeforeAll
    void startServer() {
        server = TestServer.tinyLlamaServer();
    }

    @AfterAll
    void closeServer() {
        server.close();
    }
}
