package ai.lmi.server.e2e;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose tests share one {@link TestServer}, made by {@link #start} before the first test and closed
 * after the last. One instance per class, so that the server and its work directory belong to that class alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SharedServerTest {

    /** A directory that lives as long as the class's tests. */
    Path work;
    TestServer server;

    /** The server this class's tests share; {@code work} is a directory for what it needs on disk. */
    abstract TestServer start(Path work);

    // A parameter, not an annotated field: JUnit fills instance fields only after the class-level callbacks ran.
    @BeforeAll
    void startServer(@TempDir Path work) {
        this.work = work;
        server = start(work);
    }

    @AfterAll
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }
}
