package ai.lmi.server.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;

/** Parses the worker's socket bytes as they arrive: counts doorbells and queues control messages. */
final class FrameReader {

    private final ArrayDeque<ObjectNode> controls = new ArrayDeque<>();
    private byte[] pending = new byte[256];
    private int pendingLength;
    private long doorbells;

    /** Doorbells received since the start. */
    long doorbells() {
        return doorbells;
    }

    /** The oldest control message not yet taken, or null. */
    ObjectNode poll() {
        return controls.poll();
    }

    /**
     * Takes in the buffer's remaining bytes; a frame cut short waits for the rest.
     *
     * @throws WorkerException on a frame type or length the protocol does not allow
     */
    void accept(ByteBuffer data) {
        if (pendingLength == 0 && onlyDoorbells(data)) {
            doorbells += data.remaining(); // the common case
            data.position(data.limit());
            return;
        }
        int length = data.remaining();
        if (pendingLength + length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + length));
        }
        data.get(pending, pendingLength, length);
        pendingLength += length;
        parse();
    }

    private static boolean onlyDoorbells(ByteBuffer data) {
        for (int i = data.position(); i < data.limit(); i++) {
            if (data.get(i) != Frames.DOORBELL) {
                return false;
            }
        }
        return true;
    }

    private void parse() {
        int at = 0;
        while (at < pendingLength) {
            byte type = pending[at];
            if (type == Frames.DOORBELL) {
                doorbells++;
                at++;
                continue;
            }
            if (type != Frames.CONTROL) {
                throw new WorkerException("the worker sent unknown frame type " + (type & 0xFF));
            }
            if (pendingLength - at < Frames.CONTROL_HEADER) {
                break;
            }
            long length = Integer.toUnsignedLong((pending[at + 1] & 0xFF) | (pending[at + 2] & 0xFF) << 8
                    | (pending[at + 3] & 0xFF) << 16 | (pending[at + 4] & 0xFF) << 24);
            if (length > Frames.MAX_CONTROL_BYTES) {
                throw new WorkerException("the worker sent a control frame of " + length + " bytes, over "
                        + Frames.MAX_CONTROL_BYTES);
            }
            int end = at + Frames.CONTROL_HEADER + (int) length;
            if (end > pendingLength) {
                break;
            }
            controls.add(Frames.decodeControl(pending, at + Frames.CONTROL_HEADER, (int) length));
            at = end;
        }
        System.arraycopy(pending, at, pending, 0, pendingLength - at);
        pendingLength -= at;
    }
}
