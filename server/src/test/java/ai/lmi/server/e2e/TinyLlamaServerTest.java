package ai.lmi.server.e2e;

import java.nio.file.Path;

/** A test class whose tests share one {@link TestServer#tinyLlamaServer()}. */
abstract class TinyLlamaServerTest extends SharedServerTest {

    @Override
    TestServer start(Path work) {
        return TestServer.tinyLlamaServer();
    }
}
