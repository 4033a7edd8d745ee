package ai.lmi.server.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The parent's end of the worker's Unix socket, non-blocking: sends doorbells and control messages, and reads
 * frames as they come, waiting on a selector that another thread may wake (when the worker process exits).
 */
final class ControlChannel implements Closeable {

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final FrameReader reader = new FrameReader();
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
    private final ByteBuffer doorbell = ByteBuffer.allocateDirect(1);
    private boolean eof;

    ControlChannel(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        this.key = channel.register(selector, SelectionKey.OP_READ);
    }

    /** Doorbells received since the start. */
    long doorbells() {
        return reader.doorbells();
    }

    /** Whether the worker closed its end. */
    boolean eof() {
        return eof;
    }

    /** The oldest control message received and not yet taken, or null. */
    ObjectNode poll() {
        return reader.poll();
    }

    /** Writes one DOORBELL frame. */
    void sendDoorbell(long deadlineNanos) throws IOException {
        doorbell.clear();
        doorbell.put(0, Frames.DOORBELL);
        write(doorbell, deadlineNanos);
    }

    /** Writes one control message. */
    void send(ObjectNode message, long deadlineNanos) throws IOException {
        write(Frames.controlFrame(message), deadlineNanos);
    }

    /**
     * Takes in what the socket holds, first waiting up to {@code timeoutNanos} for a byte, an EOF or a
     * {@link #wakeup()}; 0 only drains.
     */
    void fill(long timeoutNanos) throws IOException {
        if (readAvailable() || eof || timeoutNanos <= 0) {
            return;
        }
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999)));
        selector.selectedKeys().clear();
        readAvailable();
    }

    /** Ends a {@link #fill} waiting in another thread (or the next one) early. */
    void wakeup() {
        selector.wakeup();
    }

    private boolean readAvailable() throws IOException {
        boolean any = false;
        while (!eof) {
            int n;
            try {
                n = channel.read(in);
            } catch (IOException e) {
                n = -1; // connection reset: the worker is gone as surely as with an EOF
            }
            if (n < 0) {
                eof = true;
            } else if (n == 0) {
                break;
            } else {
                any = true;
                in.flip();
                reader.accept(in);
                in.clear();
            }
        }
        return any;
    }

    private void write(ByteBuffer data, long deadlineNanos) throws IOException {
        while (data.hasRemaining()) {
            if (channel.write(data) > 0) {
                continue;
            }
            // The worker's socket buffer is full. Keep reading meanwhile: it may be blocked writing to us.
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new WorkerException("the worker stopped reading its socket");
            }
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            try {
                fill(left);
            } finally {
                key.interestOps(SelectionKey.OP_READ);
            }
            if (eof) {
                throw new IOException("the worker closed the socket");
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
