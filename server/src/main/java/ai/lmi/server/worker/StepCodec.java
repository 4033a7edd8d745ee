package ai.lmi.server.worker;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ring messages byte for byte (docs/ipc-protocol.md): STEP out, STEP_OUTPUT and STEP_ERROR in.
 * Little-endian, structure-of-arrays, every array starting 8-byte aligned.
 */
final class StepCodec {

    static final int KIND_STEP = 1;
    static final int KIND_STEP_OUTPUT = 2;
    static final int KIND_STEP_ERROR = 3;
    static final int STEP_HEADER = 40;
    static final int OUTPUT_HEADER = 40;
    static final int NEW_SEQUENCE_RECORD = 64;
    static final int PROMPT_LOGPROBS_HEADER = 24;
    static final int ERROR_HEADER = 24;
    /** STEP flags bit 0: a lookahead array [S] follows prefix_ids. */
    static final int FLAG_LOOKAHEAD = 1;
    /** STEP flags bit 1: mask_index i32[S], mask_shape i32[2] (M, W) and masks u32[M * W] follow. */
    static final int FLAG_TOKEN_MASKS = 2;
    /** The seed field of a sequence that asked for none: the worker's process generator draws. */
    static final long NO_SEED = -1;

    private StepCodec() {
    }

    /** A STEP message for {@code batch}, positioned at 0 with its exact length as limit. */
    static ByteBuffer encodeStep(long stepId, StepBatch batch) {
        int s = batch.numSeqs();
        int prefixIds = 0;
        for (NewSequence seq : batch.newSequences()) {
            prefixIds += seq.prefixIds().length;
        }
        long size = STEP_HEADER + align8(8L * s) + align8(4L * s) + 2 * align8(4L * (s + 1)) + align8(s)
                + align8(4L * batch.tokens().length) + align8(4L * batch.blockTables().length)
                + 8L * batch.finished().length + (long) NEW_SEQUENCE_RECORD * batch.newSequences().size()
                + align8(4L * prefixIds) + align8(4L * batch.lookahead().length) + maskBytes(batch.masks());
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a step of " + size + " bytes cannot be encoded");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        int flags = (batch.speculates() ? FLAG_LOOKAHEAD : 0) | (batch.masks().present() ? FLAG_TOKEN_MASKS : 0);
        buf.putInt(KIND_STEP).putInt(flags).putLong(stepId).putInt(s).putInt(batch.tokens().length)
                .putInt(batch.blockTables().length).putInt(batch.newSequences().size())
                .putInt(batch.finished().length).putInt(prefixIds);
        int at = putLongs(buf, STEP_HEADER, batch.seqIds());
        at = putInts(buf, at, batch.startPos());
        at = putInts(buf, at, batch.tokenOffsets());
        at = putInts(buf, at, batch.blockOffsets());
        boolean[] sample = batch.sample();
        for (int i = 0; i < s; i++) {
            buf.put(at + i, sample[i] ? (byte) 1 : (byte) 0);
        }
        at += (int) align8(s);
        at = putInts(buf, at, batch.tokens());
        at = putInts(buf, at, batch.blockTables());
        at = putLongs(buf, at, batch.finished());
        for (NewSequence seq : batch.newSequences()) {
            putNewSequence(buf, at, seq);
            at += NEW_SEQUENCE_RECORD;
        }
        for (NewSequence seq : batch.newSequences()) {
            buf.position(at);
            buf.asIntBuffer().put(seq.prefixIds());
            at += 4 * seq.prefixIds().length;
        }
        at = putInts(buf, (int) align8(at), batch.lookahead());
        putMasks(buf, at, batch.masks());
        return buf.clear();
    }

    private static long maskBytes(TokenMasks masks) {
        if (!masks.present()) {
            return 0;
        }
        return align8(4L * masks.rowOf().length) + 8 + align8(4L * masks.words() * masks.rows().size());
    }

    private static void putMasks(ByteBuffer buf, int at, TokenMasks masks) {
        if (!masks.present()) {
            return;
        }
        at = putInts(buf, at, masks.rowOf());
        buf.putInt(at, masks.rows().size()).putInt(at + 4, masks.words());
        at += 8;
        for (int[] row : masks.rows()) {
            buf.position(at);
            buf.asIntBuffer().put(row);
            at += 4 * row.length;
        }
    }

    private static void putNewSequence(ByteBuffer buf, int at, NewSequence seq) {
        SamplingParams p = seq.params();
        buf.putLong(at, seq.seqId());
        buf.putLong(at + 8, p.seed().orElse(NO_SEED));
        buf.putInt(at + 16, seq.promptLen());
        buf.putInt(at + 20, seq.prefixIds().length);
        buf.putFloat(at + 24, (float) p.temperature());
        buf.putInt(at + 28, p.topK());
        buf.putFloat(at + 32, (float) p.topP());
        buf.putFloat(at + 36, (float) p.minP());
        buf.putFloat(at + 40, (float) p.repetitionPenalty());
        buf.putFloat(at + 44, (float) p.presencePenalty());
        buf.putFloat(at + 48, (float) p.frequencyPenalty());
        buf.putInt(at + 52, p.topLogprobs());
        buf.put(at + 56, p.promptLogprobs() ? (byte) 1 : (byte) 0);
        buf.putInt(at + 60, seq.adapterId());
    }

    private static int putInts(ByteBuffer buf, int at, int[] values) {
        buf.position(at);
        buf.asIntBuffer().put(values);
        return at + (int) align8(4L * values.length);
    }

    private static int putLongs(ByteBuffer buf, int at, long[] values) {
        buf.position(at);
        buf.asLongBuffer().put(values);
        return at + 8 * values.length;
    }

    /** The step id of any message (bytes 8..15), 0 when it is too short to have one. */
    static long stepId(ByteBuffer message) {
        return message.limit() >= 16 ? message.getLong(8) : 0;
    }

    /**
     * The STEP_OUTPUT in {@code message}, a little-endian buffer holding exactly one result message.
     *
     * @throws StepError       when the message is a STEP_ERROR
     * @throws WorkerException when it is malformed
     */
    static StepOutput decodeResult(ByteBuffer message) {
        int length = message.limit();
        if (length < 16) {
            throw malformed("a result message of " + length + " bytes is shorter than any header");
        }
        int kind = message.getInt(0);
        if (kind == KIND_STEP_ERROR) {
            throw decodeError(message);
        }
        if (kind != KIND_STEP_OUTPUT) {
            throw malformed("result message kind " + Integer.toUnsignedString(kind)
                    + " is neither STEP_OUTPUT nor STEP_ERROR");
        }
        if (length < OUTPUT_HEADER) {
            throw malformed("a STEP_OUTPUT of " + length + " bytes is shorter than its header");
        }
        long stepId = message.getLong(8);
        int n = count(message.getInt(24), "n", length);
        int topN = count(message.getInt(28), "N", length);
        int numPrompt = count(message.getInt(32), "num_prompt_logprobs", length);
        long rows = (long) n * topN;
        long end = OUTPUT_HEADER + 8L * n + 2 * align8(4L * n) + 2 * align8(4 * rows);
        if (end > length) {
            throw malformed("STEP_OUTPUT of " + length + " bytes is too short for its arrays (" + end + ")");
        }
        Reader in = new Reader(message, OUTPUT_HEADER);
        long[] seqIds = in.longs(n);
        int[] tokenIds = in.ints(n);
        float[] logprobs = in.floats(n);
        int[] topIds = in.ints((int) rows);
        float[] topLogprobs = in.floats((int) rows);
        List<PromptLogprobs> prompt = new ArrayList<>(numPrompt);
        for (int i = 0; i < numPrompt; i++) {
            prompt.add(decodePromptLogprobs(message, in));
        }
        if (in.at != length) {
            throw malformed("STEP_OUTPUT describes " + in.at + " bytes, the message has " + length);
        }
        return new StepOutput(stepId, seqIds, tokenIds, logprobs, topN, topIds, topLogprobs, prompt,
                message.getFloat(16), message.getFloat(20));
    }

    private static PromptLogprobs decodePromptLogprobs(ByteBuffer message, Reader in) {
        int start = in.at;
        if (start + PROMPT_LOGPROBS_HEADER > message.limit()) {
            throw malformed("STEP_OUTPUT of " + message.limit() + " bytes ends inside its prompt logprobs");
        }
        long seqId = message.getLong(start);
        int startPos = message.getInt(start + 8);
        int count = message.getInt(start + 12);
        int topN = message.getInt(start + 16);
        if (count < 0 || topN < 0) {
            throw malformed("prompt logprobs of sequence " + seqId + " claim " + count + " tokens and top " + topN);
        }
        long rows = (long) count * topN;
        long end = start + PROMPT_LOGPROBS_HEADER + align8(4L * count) + 2 * align8(4 * rows);
        if (end > message.limit()) {
            throw malformed("prompt logprobs of sequence " + seqId + " run past the message's end");
        }
        in.at = start + PROMPT_LOGPROBS_HEADER;
        return new PromptLogprobs(seqId, startPos, in.floats(count), topN, in.ints((int) rows),
                in.floats((int) rows));
    }

    private static StepError decodeError(ByteBuffer message) {
        int length = message.limit();
        if (length < ERROR_HEADER) {
            throw malformed("a STEP_ERROR of " + length + " bytes is shorter than its header");
        }
        long textLength = Integer.toUnsignedLong(message.getInt(20));
        if (ERROR_HEADER + textLength != length) {
            throw malformed("a STEP_ERROR of " + length + " bytes claims a " + textLength + "-byte message");
        }
        byte[] text = new byte[(int) textLength];
        message.get(ERROR_HEADER, text);
        return new StepError(message.getLong(8), message.getInt(16), new String(text, StandardCharsets.UTF_8));
    }

    private static int count(int value, String name, int length) {
        if (value < 0 || value > length) {
            throw malformed("STEP_OUTPUT of " + length + " bytes claims " + Integer.toUnsignedString(value)
                    + " for " + name);
        }
        return value;
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    private static WorkerException malformed(String message) {
        return new WorkerException("malformed result from the worker: " + message);
    }

    /** Reads consecutive 8-aligned arrays; the caller has checked that they fit. */
    private static final class Reader {
        private final ByteBuffer buf;
        private int at;

        Reader(ByteBuffer buf, int at) {
            this.buf = buf;
            this.at = at;
        }

        long[] longs(int count) {
            long[] values = new long[count];
            buf.position(at);
            buf.asLongBuffer().get(values);
            at += 8 * count;
            return values;
        }

        int[] ints(int count) {
            int[] values = new int[count];
            buf.position(at);
            buf.asIntBuffer().get(values);
            at += (int) align8(4L * count);
            return values;
        }

        float[] floats(int count) {
            float[] values = new float[count];
            buf.position(at);
            buf.asFloatBuffer().get(values);
            at += (int) align8(4L * count);
            return values;
        }
    }
}
