package ai.lmi.server.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One single-producer/single-consumer byte ring of the shared-memory file, carrying length-prefixed records.
 *
 * <p>head and tail are monotonic byte counts; a record starts at count % capacity and never wraps: where it
 * would not fit before the end, the producer writes a wrap marker and puts it at offset 0. A process uses a
 * ring either as its producer or as its consumer, from one thread at a time.
 */
final class ShmRing {

    static final int HEAD_OFFSET = 0;
    // 128 bytes from head, not 64: Intel's adjacent-line prefetcher moves cache lines in pairs.
    static final int TAIL_OFFSET = 128;
    static final int DATA_OFFSET = 256;
    static final int RECORD_HEADER = 8;
    static final int WRAP_MARKER = 0xFFFFFFFF;
    static final int MIN_CAPACITY = 64;
    static final int MAX_CAPACITY = 1 << 30;

    private static final VarHandle COUNTER =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer file;
    private final int headIndex;
    private final int tailIndex;
    private final int data;
    private final int capacity;
    private final int maxMessage;
    // Each side caches its own counter (it is the only writer) and the last value seen of the other's.
    private long localHead;
    private long seenHead;
    private long localTail;
    private long seenTail;

    /** A ring at {@code offset} of {@code file}, a little-endian mapping of the whole shared-memory file. */
    ShmRing(ByteBuffer file, int offset, int capacity) {
        checkCapacity(capacity);
        if (file.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("the shared-memory mapping must be little-endian");
        }
        this.file = file;
        this.headIndex = offset + HEAD_OFFSET;
        this.tailIndex = offset + TAIL_OFFSET;
        this.data = offset + DATA_OFFSET;
        this.capacity = capacity;
        this.maxMessage = capacity / 2 - RECORD_HEADER;
        this.localHead = this.seenHead = (long) COUNTER.getAcquire(file, headIndex);
        this.localTail = this.seenTail = (long) COUNTER.getAcquire(file, tailIndex);
    }

    /** Throws IllegalArgumentException unless {@code capacity} is a ring size the protocol allows. */
    static void checkCapacity(long capacity) {
        if (Long.bitCount(capacity) != 1 || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("ring capacity " + capacity + " must be a power of two in ["
                    + MIN_CAPACITY + ", " + MAX_CAPACITY + "]");
        }
    }

    /** Bytes a message of {@code length} payload bytes occupies in the ring. */
    static int recordSize(int length) {
        return RECORD_HEADER + ((length + 7) & ~7);
    }

    /** The longest message this ring takes: half of it, so that a message always fits into an empty ring. */
    int maxMessage() {
        return maxMessage;
    }

    /**
     * Producer: copies the payload's remaining bytes in and publishes them as one record.
     *
     * @return false when the ring has no room yet (the consumer sends no doorbell for space: retry)
     * @throws IllegalArgumentException when the message is longer than {@link #maxMessage()}
     */
    boolean tryWrite(ByteBuffer payload) {
        int length = payload.remaining();
        if (length > maxMessage) {
            throw new IllegalArgumentException("a message of " + length + " bytes exceeds this ring's limit of "
                    + maxMessage + " (half of its " + capacity + " bytes, less the record header)");
        }
        int size = recordSize(length);
        long head = localHead;
        int pos = (int) (head & (capacity - 1));
        int skip = pos + size > capacity ? capacity - pos : 0;
        if (capacity - (head - seenTail) < skip + size) {
            seenTail = (long) COUNTER.getAcquire(file, tailIndex);
            if (capacity - (head - seenTail) < skip + size) {
                return false;
            }
        }
        if (skip != 0) {
            file.putInt(data + pos, WRAP_MARKER);
            pos = 0;
        }
        file.putInt(data + pos, length);
        file.putInt(data + pos + 4, 0);
        file.put(data + pos + RECORD_HEADER, payload, payload.position(), length);
        head += skip + size;
        COUNTER.setRelease(file, headIndex, head); // the publish: after every byte it covers
        localHead = head;
        return true;
    }

    /** Consumer: whether a published record is waiting (reads the shared head only when needed). */
    boolean hasData() {
        if (seenHead != localTail) {
            return true;
        }
        seenHead = (long) COUNTER.getAcquire(file, headIndex);
        return seenHead != localTail;
    }

    /**
     * Consumer: a private little-endian copy of the next message, or null; its space is free again on return.
     *
     * @throws WorkerException when the ring holds bytes no conforming producer writes
     */
    ByteBuffer read() {
        if (!hasData()) {
            return null;
        }
        long tail = localTail;
        int pos = (int) (tail & (capacity - 1));
        int length = file.getInt(data + pos);
        if (length == WRAP_MARKER) {
            tail += capacity - pos;
            pos = 0;
            length = file.getInt(data);
        }
        if (length < 0 || length > maxMessage || tail + recordSize(length) > seenHead) {
            throw new WorkerException("corrupt ring: the record at byte count " + tail + " claims "
                    + Integer.toUnsignedString(length) + " bytes; head is at " + seenHead);
        }
        byte[] message = new byte[length];
        file.get(data + pos + RECORD_HEADER, message);
        tail += recordSize(length);
        COUNTER.setRelease(file, tailIndex, tail);
        localTail = tail;
        return ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    }
}
