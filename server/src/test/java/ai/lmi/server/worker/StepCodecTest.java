package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StepCodecTest {

    /** docs/ipc-protocol.md's example: step 7, new sequence 5 with prompt 1, 2, 3, sequence 3 finished. */
    private static final String DOC_EXAMPLE = String.join("",
            "0100000000000000", "0700000000000000", "0100000003000000", "0100000001000000",
            "0100000000000000", "0500000000000000", "0000000000000000", "0000000003000000",
            "0000000001000000", "0100000000000000", "0100000002000000", "0300000000000000",
            "0900000000000000", "0300000000000000", "0500000000000000", "2a00000000000000",
            "0300000000000000", "0000003f04000000", "0000403f00000000", "0000803f00000000",
            "0000000002000000", "0100000000000000");

    private static final List<StepBatch> STEPS = List.of(StepBatch.empty(), docExample(), largeStep(),
            maskedStep());
    private static JsonNode python;

    @BeforeAll
    static void runThePythonCodec() throws Exception {
        List<ByteBuffer> encoded = new ArrayList<>();
        for (int i = 0; i < STEPS.size(); i++) {
            encoded.add(StepCodec.encodeStep(100 + i, STEPS.get(i)));
        }
        python = PythonCodecPeer.run(encoded);
    }

    private static StepBatch docExample() {
        SamplingParams params = SamplingParams.builder().temperature(0.5f).topK(4).topP(0.75f).seed(42)
                .topLogprobs(2).promptLogprobs(true).build();
        return TestSteps.build(List.of(new TestSteps.Scheduled(5, new int[] {1, 2, 3}, 0, new int[] {9}, true)),
                List.of(new NewSequence(5, 3, params)), 3);
    }

    /** 64 sequences of mixed lengths and table sizes, half of them new, some with prefix ids; odd lengths pad. */
    private static StepBatch largeStep() {
        Random random = new Random(3);
        List<TestSteps.Scheduled> seqs = new ArrayList<>();
        List<NewSequence> fresh = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int[] tokens = random.ints(1 + random.nextInt(300), 0, 32000).toArray();
            int[] table = random.ints(1 + random.nextInt(20), 0, 1024).toArray();
            seqs.add(new TestSteps.Scheduled(1_000_000_000_000L + i, tokens, random.nextInt(100), table, i % 3 != 0));
            if (i % 2 == 0) {
                SamplingParams params = SamplingParams.builder().temperature(random.nextFloat() * 2)
                        .topK(random.nextInt(50)).topP(1 - random.nextFloat() / 2).minP(random.nextFloat() / 10)
                        .repetitionPenalty(1.1f).presencePenalty(-0.5f).frequencyPenalty(0.25f)
                        .seed(i % 4 == 0 ? OptionalLong.empty() : OptionalLong.of(Long.MAX_VALUE - i)).topLogprobs(i % 7)
                        .promptLogprobs(i % 4 == 0).build();
                fresh.add(new NewSequence(1_000_000_000_000L + i, random.nextInt(300), params,
                        random.ints(random.nextInt(9), 0, 32000).toArray(), NewSequence.NO_ADAPTER));
            }
        }
        return TestSteps.build(seqs, fresh, 7, -8, Long.MAX_VALUE);
    }

    /**
     * Three sequences, the first and third constrained by masks of 1001 ids (32 words, the last one partial);
     * the second speculates, so both optional arrays are there.
     */
    private static StepBatch maskedStep() {
        Random random = new Random(5);
        int words = 32;
        int[] first = random.ints(words).toArray();
        int[] second = random.ints(words).toArray();
        first[words - 1] = 0x80000001;
        return new StepBatch(new long[] {1, 2, 3}, new int[] {0, 5, 9}, new int[] {0, 1, 2, 3},
                new int[] {4, 5, 6}, new int[] {0, 1, 2, 3}, new int[] {0, 1, 2},
                new boolean[] {true, true, true}, List.of(), new long[0], new int[] {0, 2, 0},
                new TokenMasks(new int[] {1, -1, 0}, words, List.of(second, first)));
    }

    @Test
    void pythonDecodesTheMaskArraysJavaEncodes() {
        StepBatch sent = STEPS.get(3);
        JsonNode got = python.get("steps").get(3);
        assertArrayEquals(sent.masks().rowOf(), TestData.ints(got.get("mask_index")));
        assertArrayEquals(sent.lookahead(), TestData.ints(got.get("lookahead")));
        JsonNode masks = got.get("masks");
        assertEquals(2 * sent.masks().words(), masks.size());
        for (int row = 0; row < 2; row++) {
            for (int w = 0; w < sent.masks().words(); w++) {
                assertEquals(Integer.toUnsignedLong(sent.masks().rows().get(row)[w]),
                        masks.get(row * sent.masks().words() + w).asLong());
            }
        }
        assertEquals(StepCodec.FLAG_LOOKAHEAD | StepCodec.FLAG_TOKEN_MASKS,
                StepCodec.encodeStep(1, sent).getInt(4));
    }

    @Test
    void theDocumentsExampleStepIsEncodedByteForByte() {
        ByteBuffer message = StepCodec.encodeStep(7, docExample());
        assertEquals(176, message.remaining());
        assertEquals(DOC_EXAMPLE, PythonCodecPeer.hex(message));
    }

    /**
     * Sequence 5 may gain 3 drafts, 6 none; sequence 4 finished. The bytes are python-worker's encode_step of the
     * same batch: flags bit 0, and the lookahead array after the (empty) prefix ids.
     */
    @Test
    void aSpeculatingStepCarriesTheLookaheadArrayByteForByte() {
        StepBatch batch = new StepBatch(new long[] {5, 6}, new int[] {3, 4}, new int[] {0, 1, 2}, new int[] {7, 8},
                new int[] {0, 1, 3}, new int[] {9, 1, 2}, new boolean[] {true, true}, List.of(), new long[] {4},
                new int[] {3, 0});
        ByteBuffer message = StepCodec.encodeStep(9, batch);
        assertEquals(144, message.remaining());
        assertEquals(String.join("",
                "0100000001000000", "0900000000000000", "0200000002000000", "0300000000000000",
                "0100000000000000", "0500000000000000", "0600000000000000", "0300000004000000",
                "0000000001000000", "0200000000000000", "0000000001000000", "0300000000000000",
                "0101000000000000", "0700000008000000", "0900000001000000", "0200000000000000",
                "0400000000000000", "0300000000000000"), PythonCodecPeer.hex(message));
    }

    @Test
    void aStepWithoutLookaheadLeavesTheFlagClear() {
        StepBatch batch = new StepBatch(new long[] {5}, new int[] {3}, new int[] {0, 1}, new int[] {7},
                new int[] {0, 1}, new int[] {9}, new boolean[] {true}, List.of(), new long[0]);
        ByteBuffer message = StepCodec.encodeStep(9, batch);
        assertEquals(0, message.getInt(4));
        assertEquals(96, message.remaining());
    }

    @Test
    void anEmptyStepIsTheHeaderAndTwoOneElementOffsetArrays() {
        ByteBuffer message = StepCodec.encodeStep(1, StepBatch.empty());
        assertEquals(56, message.remaining());
        assertEquals("01000000000000000100000000000000" + "0".repeat(48) + "0".repeat(32),
                PythonCodecPeer.hex(message));
    }

    @Test
    void pythonDecodesEveryFieldJavaEncodes() {
        for (int i = 0; i < STEPS.size(); i++) {
            StepBatch b = STEPS.get(i);
            JsonNode got = python.get("steps").get(i);
            assertEquals(100 + i, got.get("step_id").asLong());
            assertArrayEquals(b.seqIds(), longs(got.get("seq_ids")));
            assertArrayEquals(b.startPos(), TestData.ints(got.get("start_pos")));
            assertArrayEquals(b.tokenOffsets(), TestData.ints(got.get("token_offsets")));
            assertArrayEquals(b.tokens(), TestData.ints(got.get("tokens")));
            assertArrayEquals(b.blockOffsets(), TestData.ints(got.get("block_offsets")));
            assertArrayEquals(b.blockTables(), TestData.ints(got.get("block_tables")));
            assertEquals(b.numSeqs(), got.get("sample").size());
            for (int s = 0; s < b.numSeqs(); s++) {
                assertEquals(b.sample()[s], got.get("sample").get(s).asBoolean());
            }
            assertArrayEquals(b.finished(), longs(got.get("finished")));
            assertEquals(b.newSequences().size(), got.get("new_sequences").size());
            for (int n = 0; n < b.newSequences().size(); n++) {
                assertNewSequence(b.newSequences().get(n), got.get("new_sequences").get(n));
            }
        }
    }

    private static void assertNewSequence(NewSequence want, JsonNode got) {
        assertEquals(want.seqId(), got.get("seq_id").asLong());
        assertEquals(want.promptLen(), got.get("prompt_len").asInt());
        assertArrayEquals(want.prefixIds(), TestData.ints(got.get("prefix_ids")));
        JsonNode p = got.get("params");
        SamplingParams params = want.params();
        assertEquals(params.temperature(), (float) p.get("temperature").asDouble());
        assertEquals(params.topK(), p.get("top_k").asInt());
        assertEquals(params.topP(), (float) p.get("top_p").asDouble());
        assertEquals(params.minP(), (float) p.get("min_p").asDouble());
        assertEquals(params.repetitionPenalty(), (float) p.get("repetition_penalty").asDouble());
        assertEquals(params.presencePenalty(), (float) p.get("presence_penalty").asDouble());
        assertEquals(params.frequencyPenalty(), (float) p.get("frequency_penalty").asDouble());
        assertEquals(params.seed().orElse(StepCodec.NO_SEED), p.get("seed").asLong());
        assertEquals(params.topLogprobs(), p.get("top_logprobs").asInt());
        assertEquals(params.promptLogprobs(), p.get("prompt_logprobs").asBoolean());
    }

    @Test
    void javaDecodesEveryFieldPythonEncodes() {
        for (JsonNode want : python.get("outputs")) {
            StepOutput got = StepCodec.decodeResult(PythonCodecPeer.bytes(want.get("hex")));
            assertEquals(want.get("step_id").asLong(), got.stepId());
            assertArrayEquals(longs(want.get("seq_ids")), got.seqIds());
            assertArrayEquals(TestData.ints(want.get("token_ids")), got.tokenIds());
            assertArrayEquals(floats(want.get("logprobs")), got.logprobs());
            assertEquals(want.get("top_n").asInt(), got.topN());
            assertArrayEquals(TestData.ints(want.get("top_ids")), got.topIds());
            assertArrayEquals(floats(want.get("top_logprobs")), got.topLogprobs());
            assertEquals(12.25f, got.forwardMs());
            assertEquals(0.5f, got.sampleMs());
            assertEquals(want.get("prompt").size(), got.promptLogprobs().size());
            for (int i = 0; i < got.promptLogprobs().size(); i++) {
                JsonNode p = want.get("prompt").get(i);
                PromptLogprobs lp = got.promptLogprobs().get(i);
                assertEquals(p.get("seq_id").asLong(), lp.seqId());
                assertEquals(p.get("start_pos").asInt(), lp.startPos());
                assertEquals(p.get("top_n").asInt(), lp.topN());
                assertArrayEquals(floats(p.get("logprobs")), lp.logprobs()); // NaN equals NaN here
                assertArrayEquals(TestData.ints(p.get("top_ids")), lp.topIds());
                assertArrayEquals(floats(p.get("top_logprobs")), lp.topLogprobs());
            }
        }
        StepOutput rows = StepCodec.decodeResult(PythonCodecPeer.bytes(python.get("outputs").get(1).get("hex")));
        assertEquals(rows.topIds()[5 + 2], rows.topId(1, 2));
    }

    @Test
    void aStepErrorComesBackAsAnExceptionWithItsCodeAndMessage() {
        for (JsonNode want : python.get("errors")) {
            StepError e = assertThrows(StepError.class,
                    () -> StepCodec.decodeResult(PythonCodecPeer.bytes(want.get("hex"))));
            assertEquals(want.get("step_id").asLong(), e.stepId());
            assertEquals(want.get("code").asInt(), e.code());
            assertTrue(e.getMessage().endsWith(want.get("message").asText()), e.getMessage());
        }
    }

    @Test
    void aMalformedResultIsAProtocolError() {
        ByteBuffer good = PythonCodecPeer.bytes(python.get("outputs").get(2).get("hex"));
        ByteBuffer truncated = good.duplicate().order(ByteOrder.LITTLE_ENDIAN).limit(good.limit() - 8);
        assertThrows(WorkerException.class, () -> StepCodec.decodeResult(truncated));
        ByteBuffer longer = ByteBuffer.allocate(good.limit() + 8).order(ByteOrder.LITTLE_ENDIAN).put(good).flip();
        assertThrows(WorkerException.class, () -> StepCodec.decodeResult(longer.limit(longer.capacity())));
        ByteBuffer wrongKind = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 4);
        assertThrows(WorkerException.class, () -> StepCodec.decodeResult(wrongKind));
        ByteBuffer error = PythonCodecPeer.bytes(python.get("errors").get(0).get("hex"));
        assertThrows(WorkerException.class, () -> StepCodec.decodeResult(error.limit(error.limit() - 1)));
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
