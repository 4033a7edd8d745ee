package ai.lmi.server.e2e;

import java.nio.file.Path;

/** A test class whose tests share one server of all-MiniLM-L6-v2, laid out in the class's work directory. */
abstract class MiniLmServerTest extends SharedServerTest {

    @Override
    TestServer start(Path work) {
        return MiniLm.serve(work);
    }
}
