package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShmRingTest {

    private static final int CAPACITY = 4096;

    @TempDir
    Path dir;

    /** A producer view and a consumer view of one ring in a mapped file, as the two processes have. */
    private ShmRing[] ringPair() throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("ring").toFile(), "rw")) {
            ByteBuffer mapping = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0,
                    SharedMemoryFile.PAGE + ShmRing.DATA_OFFSET + CAPACITY);
            return new ShmRing[] {
                new ShmRing(mapping.duplicate().order(ByteOrder.LITTLE_ENDIAN), SharedMemoryFile.PAGE, CAPACITY),
                new ShmRing(mapping.duplicate().order(ByteOrder.LITTLE_ENDIAN), SharedMemoryFile.PAGE, CAPACITY)};
        }
    }

    private static ByteBuffer message(int index, int length) {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i++) {
            buf.put(i, (byte) (index * 31 + i));
        }
        return buf;
    }

    @Test
    void manyMessagesOfEverySizeCrossTheWrapIntactBetweenTwoThreads() throws Exception {
        ShmRing[] rings = ringPair();
        ShmRing producer = rings[0];
        ShmRing consumer = rings[1];
        int count = 100_000;
        int max = producer.maxMessage();
        Random sizes = new Random(1);
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            lengths[i] = i % 50 == 0 ? max : sizes.nextInt(i % 2 == 0 ? 64 : max + 1);
        }
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                ByteBuffer m = message(i, lengths[i]);
                while (!producer.tryWrite(m)) {
                    Thread.onSpinWait();
                }
            }
        });
        for (int i = 0; i < count; i++) {
            ByteBuffer got;
            while ((got = consumer.read()) == null) {
                Thread.onSpinWait();
            }
            assertEquals(message(i, lengths[i]), got, "message " + i);
        }
        sent.get(10, TimeUnit.SECONDS);
        assertFalse(consumer.hasData());
        assertNull(consumer.read());
    }

    @Test
    void aRecordThatWouldCrossTheEndGoesBehindAWrapMarkerAtOffsetZero() throws IOException {
        ShmRing[] rings = ringPair();
        // 3 records of 1000 payload bytes (1008 in the ring) end at 3024; the next one does not fit before 4096.
        for (int i = 0; i < 3; i++) {
            assertTrue(rings[0].tryWrite(message(i, 1000)));
            assertEquals(message(i, 1000), rings[1].read());
        }
        assertTrue(rings[0].tryWrite(message(3, 1500)));
        ByteBuffer raw = rawRing();
        assertEquals(ShmRing.WRAP_MARKER, raw.getInt(ShmRing.DATA_OFFSET + 3024));
        assertEquals(1500, raw.getInt(ShmRing.DATA_OFFSET));
        assertEquals(3024 + (4096 - 3024) + 8 + 1504, raw.getLong(ShmRing.HEAD_OFFSET)); // the gap, then the record
        assertEquals(message(3, 1500), rings[1].read());
        assertEquals(raw.getLong(ShmRing.HEAD_OFFSET), rawRing().getLong(ShmRing.TAIL_OFFSET));
    }

    private ByteBuffer rawRing() throws IOException {
        try (FileChannel file = FileChannel.open(dir.resolve("ring"))) {
            ByteBuffer raw = ByteBuffer.allocate(ShmRing.DATA_OFFSET + CAPACITY).order(ByteOrder.LITTLE_ENDIAN);
            file.read(raw, SharedMemoryFile.PAGE);
            return raw;
        }
    }

    @Test
    void aFullRingRefusesUntilTheConsumerFreesSpace() throws IOException {
        ShmRing[] rings = ringPair();
        int max = rings[0].maxMessage();
        assertTrue(rings[0].tryWrite(message(0, max)));
        assertTrue(rings[0].tryWrite(message(1, max)));
        assertFalse(rings[0].tryWrite(message(2, 0)));
        assertEquals(message(0, max), rings[1].read());
        assertTrue(rings[0].tryWrite(message(2, 0)));
    }

    @Test
    void aMessageOverHalfTheRingIsRefusedBeforeAnythingIsWritten() throws IOException {
        ShmRing[] rings = ringPair();
        int max = rings[0].maxMessage();
        assertEquals(CAPACITY / 2 - 8, max);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> rings[0].tryWrite(message(0, max + 1)));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        assertFalse(rings[1].hasData());
    }

    @Test
    void capacitiesMustBePowersOfTwoInRange() {
        assertThrows(IllegalArgumentException.class, () -> ShmRing.checkCapacity(3000));
        assertThrows(IllegalArgumentException.class, () -> ShmRing.checkCapacity(32));
        assertThrows(IllegalArgumentException.class, () -> ShmRing.checkCapacity(1L << 31));
        ShmRing.checkCapacity(64);
    }

    @Test
    void theSharedMemoryFileHasTheDocumentedHeaderAndMode() throws IOException {
        Path path = dir.resolve("shm");
        SharedMemoryFile.create(path, 1 << 20, 8192);
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new byte[] {'L', 'M', 'I', 'W'}, new byte[] {header.get(0), header.get(1), header.get(2),
            header.get(3)});
        assertEquals(WorkerProtocol.VERSION, header.getInt(4));
        long resultOffset = 4096 + 4096 + (1 << 20); // after the step ring's control block and data, page-aligned
        long size = resultOffset + 4096 + 8192;
        assertEquals(size, header.getLong(8));
        assertEquals(size, Files.size(path));
        assertEquals(4096, header.getLong(16));
        assertEquals(1 << 20, header.getLong(24));
        assertEquals(resultOffset, header.getLong(32));
        assertEquals(8192, header.getLong(40));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
        assertThrows(FileAlreadyExistsException.class, () -> SharedMemoryFile.create(path, 4096, 4096));
    }
}
