"""The ring messages: round trips, and bytes checked against docs/ipc-protocol.md field by field."""

import struct

import numpy as np
import pytest

from lmi_worker.engine.step import (ERR_BAD_STEP, ERR_UNKNOWN_SEQUENCE, NewSequence, PromptLogprobs,
                                    SamplingParams, StepBatch, StepError, StepOutput)
from lmi_worker.engine.step_builder import ScheduledSequence, build_step
from lmi_worker.ipc.step_codec import (MAX_ERROR_MESSAGE, StepFailure, decode_result, decode_step, encode_error,
                                       encode_output, encode_step, message_step_id)


def f32(x: float) -> float:
    return float(np.float32(x))


def sample_step() -> StepBatch:
    params = SamplingParams(temperature=0.7, top_k=40, top_p=0.9, min_p=0.05, repetition_penalty=1.1,
                            presence_penalty=0.2, frequency_penalty=0.3, seed=1234, top_logprobs=3,
                            prompt_logprobs=True)
    new = [NewSequence(11, 4, params, prefix_ids=np.array([5, 6], np.int32), adapter_id=7),
           NewSequence(12, 3, SamplingParams())]
    return build_step(99, [ScheduledSequence(11, [7, 8], 2, [3]),
                           ScheduledSequence(12, [1, 2, 3], 0, [4, 5], sample=False),
                           ScheduledSequence(10, [9], 17, [0, 1])],
                      new_sequences=new, finished=[3, 4])


def offset_in(buf: bytearray, array: np.ndarray) -> int:
    return array.ctypes.data - np.frombuffer(buf, np.uint8).ctypes.data


def test_step_round_trip_keeps_every_field():
    batch = sample_step()
    buf = encode_step(batch)
    got = decode_step(buf)
    assert got.step_id == 99
    for name in ("seq_ids", "start_pos", "token_offsets", "tokens", "block_offsets", "block_tables", "sample",
                 "finished"):
        want, have = getattr(batch, name), getattr(got, name)
        np.testing.assert_array_equal(have, want, err_msg=name)
        assert have.dtype == want.dtype, name
    assert [(s.seq_id, s.prompt_len, s.prefix_ids.tolist(), s.adapter_id) for s in got.new_sequences] == [
        (11, 4, [5, 6], 7), (12, 3, [], 0)]
    p = got.new_sequences[0].params
    assert (p.temperature, p.top_p, p.min_p) == (f32(0.7), f32(0.9), f32(0.05))
    assert (p.repetition_penalty, p.presence_penalty, p.frequency_penalty) == (f32(1.1), f32(0.2), f32(0.3))
    assert (p.top_k, p.seed, p.top_logprobs, p.prompt_logprobs) == (40, 1234, 3, True)
    assert got.new_sequences[1].params == SamplingParams()


def test_lookahead_sets_flag_bit_0_and_follows_the_prefix_ids():
    plain = encode_step(sample_step())
    batch = sample_step()
    batch.lookahead = np.array([2, 0, 5], np.int32)
    buf = encode_step(batch)
    assert struct.unpack_from("<I", buf, 4)[0] == 1 and struct.unpack_from("<I", plain, 4)[0] == 0
    # The same bytes as without it, then the three counts padded to 8 bytes.
    assert bytes(buf[8:len(plain)]) == bytes(plain[8:]) and bytes(buf[len(plain):]) == struct.pack("<iii4x", 2, 0, 5)
    np.testing.assert_array_equal(decode_step(buf).lookahead, [2, 0, 5])
    assert len(decode_step(plain).lookahead) == 0


def test_decoded_arrays_are_aligned_writable_views_of_the_message():
    buf = encode_step(sample_step())
    got = decode_step(buf)
    for name in ("seq_ids", "start_pos", "token_offsets", "tokens", "block_offsets", "block_tables", "sample",
                 "finished"):
        array = getattr(got, name)
        assert np.shares_memory(array, np.frombuffer(buf, np.uint8)), name
        assert offset_in(buf, array) % 8 == 0, name
        assert array.flags.writeable, name


def test_empty_step_is_header_and_two_offsets():
    empty = build_step(5, [])
    buf = encode_step(empty)
    assert len(buf) == 56  # 40-byte header, token_offsets [0] and block_offsets [0], each padded to 8
    got = decode_step(buf)
    assert got.step_id == 5 and got.num_seqs == 0 and got.token_offsets.tolist() == [0]


def test_step_bytes_match_the_specification():
    params = SamplingParams(temperature=0.5, top_k=4, top_p=0.75, seed=42, top_logprobs=2, prompt_logprobs=True)
    batch = build_step(7, [ScheduledSequence(5, [1, 2, 3], 0, [9])],
                       new_sequences=[NewSequence(5, 3, params, adapter_id=3)], finished=[3])
    want = b"".join([
        struct.pack("<IIQIIIIII", 1, 0, 7, 1, 3, 1, 1, 1, 0),  # STEP header
        struct.pack("<q", 5),  # seq_ids
        struct.pack("<i4x", 0),  # start_pos, padded
        struct.pack("<ii", 0, 3),  # token_offsets
        struct.pack("<ii", 0, 1),  # block_offsets
        struct.pack("<B7x", 1),  # sample, padded
        struct.pack("<iii4x", 1, 2, 3),  # tokens, padded
        struct.pack("<i4x", 9),  # block_tables, padded
        struct.pack("<q", 3),  # finished
        struct.pack("<qqiififffffiB3xi", 5, 42, 3, 0, 0.5, 4, 0.75, 0.0, 1.0, 0.0, 0.0, 2, 1, 3),  # new sequence
    ])
    assert bytes(encode_step(batch)) == want


@pytest.mark.parametrize("mutate, words", [
    (lambda b: b[:30], "shorter than its header"),
    (lambda b: b + bytes(8), "describes"),
    (lambda b: b[:-8], "describes"),
    (lambda b: struct.pack("<I", 2) + b[4:], "not STEP"),
    (lambda b: b[:4] + struct.pack("<I", 4) + b[8:], "flags"),
    (lambda b: b[:4] + struct.pack("<I", 1) + b[8:], "describes"),  # says lookahead, has none
    (lambda b: b[:4] + struct.pack("<I", 2) + b[8:], "describes"),  # says token masks, has none
])
def test_malformed_steps_raise_bad_step(mutate, words):
    with pytest.raises(StepError, match=words) as info:
        decode_step(mutate(bytes(encode_step(sample_step()))))
    assert info.value.code == ERR_BAD_STEP


def test_sample_byte_other_than_0_or_1_is_rejected():
    buf = encode_step(build_step(1, [ScheduledSequence(1, [1], 0, [0])]))
    sample_at = 40 + 8 + 8 + 8 + 8
    assert buf[sample_at] == 1
    buf[sample_at] = 2
    with pytest.raises(StepError, match="sample"):
        decode_step(buf)


@pytest.mark.parametrize("first, second, words", [(1, 0, "claim 1 prefix ids, the header says 2"),
                                                   (2, 1, "1 prefix ids \\(0 left\\)")])
def test_prefix_counts_must_add_up_to_the_header(first, second, words):
    buf = encode_step(sample_step())
    records = len(buf) - 8 - 2 * 64  # two new-sequence records, then 2 prefix ids padded to 8 bytes
    struct.pack_into("<i", buf, records + 20, first)
    struct.pack_into("<i", buf, records + 64 + 20, second)
    with pytest.raises(StepError, match=words):
        decode_step(buf)


def test_a_negative_adapter_id_is_malformed():
    buf = encode_step(sample_step())
    records = len(buf) - 8 - 2 * 64
    struct.pack_into("<i", buf, records + 60, -1)
    with pytest.raises(StepError, match="adapter_id -1") as info:
        decode_step(buf)
    assert info.value.code == ERR_BAD_STEP


def test_message_step_id_reads_any_header():
    assert message_step_id(encode_step(sample_step())) == 99
    assert message_step_id(encode_error(77, 1, "x")) == 77
    assert message_step_id(b"short") == 0


def sample_output() -> StepOutput:
    return StepOutput(
        step_id=42, seq_ids=np.array([11, 10], np.int64), token_ids=np.array([100, 200], np.int32),
        logprobs=np.array([-0.5, -1.5], np.float32),
        top_ids=np.array([[100, 7, 8], [200, 9, -1]], np.int32),
        top_logprobs=np.array([[-0.5, -2, -3], [-1.5, -4, -np.inf]], np.float32),
        prompt_logprobs=[PromptLogprobs(seq_id=11, start_pos=0, logprobs=np.array([np.nan, -1, -2], np.float32),
                                        top_ids=np.array([[0], [1], [2]], np.int32),
                                        top_logprobs=np.array([[-0.1], [-0.2], [-0.3]], np.float32)),
                         PromptLogprobs(seq_id=12, start_pos=3, logprobs=np.array([-4], np.float32),
                                        top_ids=np.zeros((1, 0), np.int32),
                                        top_logprobs=np.zeros((1, 0), np.float32))],
        forward_ms=12.5, sample_ms=0.25)


def test_output_round_trip_with_top_and_prompt_logprobs():
    want = sample_output()
    buf = encode_output(want)
    assert len(buf) % 8 == 0
    got = decode_result(buf)
    assert isinstance(got, StepOutput)
    assert (got.step_id, got.forward_ms, got.sample_ms) == (42, 12.5, 0.25)
    for name in ("seq_ids", "token_ids", "logprobs", "top_ids", "top_logprobs"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
        assert offset_in(buf, getattr(got, name)) % 8 == 0, name
    assert len(got.prompt_logprobs) == 2
    for g, w in zip(got.prompt_logprobs, want.prompt_logprobs):
        assert (g.seq_id, g.start_pos) == (w.seq_id, w.start_pos)
        np.testing.assert_array_equal(g.logprobs, w.logprobs)
        np.testing.assert_array_equal(g.top_ids, w.top_ids)
        np.testing.assert_array_equal(g.top_logprobs, w.top_logprobs)
        assert offset_in(buf, g.logprobs) % 8 == 0


def test_output_without_samples_or_top_n():
    empty = StepOutput(step_id=3, seq_ids=np.zeros(0, np.int64), token_ids=np.zeros(0, np.int32),
                       logprobs=np.zeros(0, np.float32), top_ids=np.zeros((0, 0), np.int32),
                       top_logprobs=np.zeros((0, 0), np.float32), prompt_logprobs=[], forward_ms=0, sample_ms=0)
    buf = encode_output(empty)
    assert len(buf) == 40
    got = decode_result(buf)
    assert got.step_id == 3 and got.top_ids.shape == (0, 0)


def test_output_bytes_match_the_specification():
    out = StepOutput(step_id=9, seq_ids=np.array([5], np.int64), token_ids=np.array([77], np.int32),
                     logprobs=np.array([-0.5], np.float32), top_ids=np.array([[77, 3]], np.int32),
                     top_logprobs=np.array([[-0.5, -2.0]], np.float32),
                     prompt_logprobs=[PromptLogprobs(5, 1, np.array([-1.0], np.float32),
                                                     np.array([[4]], np.int32), np.array([[-0.25]], np.float32))],
                     forward_ms=1.5, sample_ms=0.5)
    want = b"".join([
        struct.pack("<IIQffIIII", 2, 0, 9, 1.5, 0.5, 1, 2, 1, 0),  # STEP_OUTPUT header
        struct.pack("<q", 5), struct.pack("<i4x", 77), struct.pack("<f4x", -0.5),
        struct.pack("<ii", 77, 3), struct.pack("<ff", -0.5, -2.0),
        struct.pack("<qiiiI", 5, 1, 1, 1, 0), struct.pack("<f4x", -1.0), struct.pack("<i4x", 4),
        struct.pack("<f4x", -0.25),
    ])
    assert bytes(encode_output(out)) == want


def test_output_with_mismatched_shapes_is_refused():
    out = sample_output()
    out.token_ids = np.array([1], np.int32)
    with pytest.raises(ValueError, match="token_ids"):
        encode_output(out)


def test_error_round_trip_and_bytes():
    buf = encode_error(8, ERR_UNKNOWN_SEQUENCE, "sequence 4 is unknown")
    assert bytes(buf) == struct.pack("<IIQII", 3, 0, 8, 2, 21) + b"sequence 4 is unknown"
    assert decode_result(buf) == StepFailure(8, ERR_UNKNOWN_SEQUENCE, "sequence 4 is unknown")


def test_long_error_messages_are_cut_at_a_character_boundary():
    got = decode_result(encode_error(1, 100, "é" * MAX_ERROR_MESSAGE))
    assert len(got.message.encode()) <= MAX_ERROR_MESSAGE
    assert set(got.message) == {"é"}


@pytest.mark.parametrize("buf, words", [
    (b"\x02\x00", "shorter"),
    (struct.pack("<IIQ", 9, 0, 1), "neither"),
    (struct.pack("<IIQII", 3, 0, 1, 1, 10) + b"abc", "claims"),
    (struct.pack("<IIQffIIII", 2, 0, 1, 0, 0, 1, 0, 0, 0), "too short"),
    (struct.pack("<IIQffIIII", 2, 0, 1, 0, 0, 0, 0, 1, 0), "ends inside"),
])
def test_malformed_results_raise_value_error(buf, words):
    with pytest.raises(ValueError, match=words):
        decode_result(buf)
