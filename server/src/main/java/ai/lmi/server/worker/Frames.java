package ai.lmi.server.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Socket frames, both directions: one-byte doorbells and length-prefixed UTF-8 JSON control messages. */
final class Frames {

    /** Frame type: "your ring may have something"; no body. */
    static final byte DOORBELL = 0;
    /** Frame type: u32 little-endian length, then that many bytes of JSON (an object with a string "type"). */
    static final byte CONTROL = 1;
    static final int CONTROL_HEADER = 5;
    static final int MAX_CONTROL_BYTES = 1 << 24;
    static final ObjectMapper JSON = new ObjectMapper();

    private Frames() {
    }

    /** A control message of the given type, for the caller to add fields to. */
    static ObjectNode message(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    /** The frame carrying one control message. */
    static ByteBuffer controlFrame(ObjectNode message) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("control message cannot be written as JSON: " + e.getMessage(), e);
        }
        if (body.length > MAX_CONTROL_BYTES) {
            throw new IllegalArgumentException("control message of " + body.length + " bytes exceeds "
                    + MAX_CONTROL_BYTES);
        }
        ByteBuffer frame = ByteBuffer.allocate(CONTROL_HEADER + body.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.put(CONTROL).putInt(body.length).put(body).flip();
        return frame;
    }

    /** The control message in a frame's body; a WorkerException if it is not a JSON object with a "type". */
    static ObjectNode decodeControl(byte[] bytes, int offset, int length) {
        JsonNode message;
        try {
            message = JSON.readTree(bytes, offset, length);
        } catch (IOException e) {
            throw new WorkerException("the worker sent a control frame that is not UTF-8 JSON: " + e.getMessage());
        }
        if (!(message instanceof ObjectNode) || !message.path("type").isTextual()) {
            throw new WorkerException("the worker sent a control message that is not a JSON object with a "
                    + "string \"type\"");
        }
        return (ObjectNode) message;
    }
}
