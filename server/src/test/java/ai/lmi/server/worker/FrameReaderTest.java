package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class FrameReaderTest {

    @Test
    void doorbellsAndControlFramesInterleaveAndMayArriveInAnyPieces() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(Frames.DOORBELL);
        stream.writeBytes(bytes(Frames.controlFrame(Frames.message("progress").put("fraction", 0.5))));
        stream.write(Frames.DOORBELL);
        stream.write(Frames.DOORBELL);
        stream.writeBytes(bytes(Frames.controlFrame(Frames.message("loaded").put("note", "é✓"))));
        byte[] all = stream.toByteArray();
        for (int piece = 1; piece <= all.length; piece++) {
            FrameReader reader = new FrameReader();
            for (int at = 0; at < all.length; at += piece) {
                reader.accept(ByteBuffer.wrap(all, at, Math.min(piece, all.length - at)));
            }
            assertEquals(3, reader.doorbells(), "pieces of " + piece);
            assertEquals(0.5, reader.poll().get("fraction").asDouble());
            assertEquals("é✓", reader.poll().get("note").asText());
            assertNull(reader.poll());
        }
    }

    @Test
    void anUnknownFrameTypeIsAProtocolError() {
        FrameReader reader = new FrameReader();
        WorkerException e = assertThrows(WorkerException.class,
                () -> reader.accept(ByteBuffer.wrap(new byte[] {0, 7})));
        assertEquals("the worker sent unknown frame type 7", e.getMessage());
    }

    @Test
    void aControlMessageMustBeAnObjectWithAType() {
        byte[] body = "[1]".getBytes();
        ByteBuffer frame = ByteBuffer.allocate(5 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.put(Frames.CONTROL).putInt(body.length).put(body).flip();
        assertThrows(WorkerException.class, () -> new FrameReader().accept(frame));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }
}
