package ai.lmi.server.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where one worker's socket (in a private temporary directory) and shared-memory file (in /dev/shm) live. */
record WorkerPaths(Path directory, Path socket, Path sharedMemory) {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerPaths.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new private directory for the socket, and a shm path no one else uses. */
    static WorkerPaths create() throws IOException {
        Path directory = Files.createTempDirectory("lmi-worker-");
        Path shmDir = Path.of("/dev/shm");
        byte[] random = new byte[6];
        RANDOM.nextBytes(random);
        String name = "lmi-worker-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random);
        Path shm = (Files.isDirectory(shmDir) ? shmDir : directory).resolve(name);
        return new WorkerPaths(directory, directory.resolve("worker.sock"), shm);
    }

    /** Removes the socket, the shm file and the directory; both sides keep what they opened or mapped. */
    void deleteAll() {
        for (Path path : new Path[] {socket, sharedMemory, directory}) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("cannot remove {}: {}", path, e.toString());
            }
        }
    }
}
