package ai.lmi.server.worker;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The shared-memory file of the worker protocol: a header page naming the protocol version and where the
 * rings lie, then the step ring (parent to worker) and the result ring (worker to parent), back to back.
 */
final class SharedMemoryFile {

    static final int PAGE = 4096;
    static final int MAGIC = 0x57494D4C; // "LMIW" read as a little-endian u32

    private final Path path;
    private final ShmRing stepRing;
    private final ShmRing resultRing;

    private SharedMemoryFile(Path path, ShmRing stepRing, ShmRing resultRing) {
        this.path = path;
        this.stepRing = stepRing;
        this.resultRing = resultRing;
    }

    /**
     * Creates the file (never reusing an existing one; mode 0600), sizes it, maps it and writes the header.
     *
     * <p>The mapping lives until it is garbage-collected (Java 17 has no public unmap); deleting the file
     * once the worker has mapped it leaves nothing behind in /dev/shm however either side ends.
     */
    static SharedMemoryFile create(Path path, int stepCapacity, int resultCapacity) throws IOException {
        ShmRing.checkCapacity(stepCapacity);
        ShmRing.checkCapacity(resultCapacity);
        long stepOffset = PAGE;
        long resultOffset = pageAlign(stepOffset + ShmRing.DATA_OFFSET + stepCapacity);
        long size = pageAlign(resultOffset + ShmRing.DATA_OFFSET + resultCapacity);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("rings of " + stepCapacity + " and " + resultCapacity
                    + " bytes make a file over the 2 GiB a Java mapping can hold");
        }
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(size); // ftruncate: zero-filled, so both rings start with head = tail = 0
            MappedByteBuffer mapping = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
            mapping.order(ByteOrder.LITTLE_ENDIAN);
            mapping.putInt(0, MAGIC);
            mapping.putInt(4, WorkerProtocol.VERSION);
            mapping.putLong(8, size);
            mapping.putLong(16, stepOffset);
            mapping.putLong(24, stepCapacity);
            mapping.putLong(32, resultOffset);
            mapping.putLong(40, resultCapacity);
            return new SharedMemoryFile(path, new ShmRing(mapping, (int) stepOffset, stepCapacity),
                    new ShmRing(mapping, (int) resultOffset, resultCapacity));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path);
            throw e;
        }
    }

    private static long pageAlign(long n) {
        return (n + PAGE - 1) & -PAGE;
    }

    Path path() {
        return path;
    }

    /** Parent to worker: STEP messages. */
    ShmRing stepRing() {
        return stepRing;
    }

    /** Worker to parent: STEP_OUTPUT and STEP_ERROR messages. */
    ShmRing resultRing() {
        return resultRing;
    }
}
