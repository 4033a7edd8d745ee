"""Allowed-token masks (structured output): the STEP arrays, their validation, the sampler and the worker."""

import math
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lmi_worker import mask_bench
from lmi_worker.engine.capacity import Capacity
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.sampler import AllowedTokens, Sampler, SamplerRow
from lmi_worker.engine.step import ERR_BAD_STEP, NewSequence, SamplingParams, StepError
from lmi_worker.engine.step_builder import ScheduledSequence, build_step
from lmi_worker.engine.step_validation import validate_step
from lmi_worker.ipc.client import WorkerClient
from lmi_worker.ipc.step_codec import decode_step, encode_step

PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
EMPTY = torch.zeros(0, dtype=torch.int64)
CAPACITY = Capacity(num_blocks=64, block_size=16, max_model_len=256, vocab_size=100, eos_token_ids=(2,),
                    bos_token_id=1, dtype="float32", device="cpu", architecture="Test", num_layers=1,
                    kv_bytes_per_block=1024, weight_bytes=0, quantization="none")


def pack(allowed: np.ndarray) -> np.ndarray:
    """uint32 [M, W] words of bool [M, V] rows: bit t & 31 of word t >> 5 is token t."""
    allowed = np.asarray(allowed, np.bool_)
    words = -(-allowed.shape[1] // 32)
    padded = np.zeros((allowed.shape[0], 32 * words), np.bool_)
    padded[:, :allowed.shape[1]] = allowed
    return np.packbits(padded, axis=1, bitorder="little").view("<u4").astype(np.uint32)


def pack_ids(id_sets, vocab: int) -> np.ndarray:
    rows = np.zeros((len(id_sets), vocab), np.bool_)
    for k, ids in enumerate(id_sets):
        rows[k, list(ids)] = True
    return pack(rows)


def masked_step(mask_index, masks, lookahead=None, sample=None):
    """Three new sequences decoding one token each, with the given mask arrays."""
    seqs = [ScheduledSequence(10 + i, [5], 0, [i], sample=True if sample is None else sample[i],
                              lookahead=0 if lookahead is None else lookahead[i]) for i in range(3)]
    batch = build_step(4, seqs, [NewSequence(10 + i, 1, SamplingParams()) for i in range(3)])
    batch.mask_index = np.asarray(mask_index, np.int32)
    batch.masks = np.asarray(masks, np.uint32)
    return batch


# --- the STEP arrays ---------------------------------------------------------------------------------------------

def test_masks_set_flag_bit_1_and_follow_the_prefix_ids():
    plain = masked_step([], np.zeros((0, 0)))
    batch = masked_step([1, -1, 0], [[0xFFFF0000, 7], [1, 0x80000000]])
    buf = encode_step(batch)
    want_plain = encode_step(plain)
    assert struct.unpack_from("<I", buf, 4)[0] == 2 and struct.unpack_from("<I", want_plain, 4)[0] == 0
    assert bytes(buf[8:len(want_plain)]) == bytes(want_plain[8:])
    # mask_index padded to 8 bytes, mask_shape (M, W), then the words row-major.
    assert bytes(buf[len(want_plain):]) == struct.pack("<iii4xiiIIII", 1, -1, 0, 2, 2, 0xFFFF0000, 7, 1, 0x80000000)
    got = decode_step(buf)
    np.testing.assert_array_equal(got.mask_index, [1, -1, 0])
    np.testing.assert_array_equal(got.masks, batch.masks)
    assert got.masks.shape == (2, 2) and got.masks.dtype == np.uint32 and got.mask_index.dtype == np.int32
    for array in (got.mask_index, got.masks):
        assert np.shares_memory(array, np.frombuffer(buf, np.uint8))
    assert len(decode_step(want_plain).mask_index) == 0 and decode_step(want_plain).masks.shape == (0, 0)


def test_masks_follow_the_lookahead_array():
    batch = masked_step([-1, 0, -1], [[1, 2, 3]], lookahead=[2, 0, 1])
    without = masked_step([-1, 0, -1], [[1, 2, 3]])
    buf, plain = encode_step(batch), encode_step(without)
    assert struct.unpack_from("<I", buf, 4)[0] == 3
    lookahead_at = len(plain) - 16 - 8 - 16  # mask_index (16), mask_shape (8), masks (3 words, padded to 16)
    assert bytes(buf[lookahead_at:lookahead_at + 16]) == struct.pack("<iii4x", 2, 0, 1)
    assert bytes(buf[lookahead_at + 16:]) == bytes(plain[lookahead_at:])
    got = decode_step(buf)
    np.testing.assert_array_equal(got.lookahead, [2, 0, 1])
    np.testing.assert_array_equal(got.mask_index, [-1, 0, -1])
    np.testing.assert_array_equal(got.masks, [[1, 2, 3]])


def test_a_step_may_carry_mask_arrays_with_no_rows():
    got = decode_step(encode_step(masked_step([-1, -1, -1], np.zeros((0, 0)))))
    assert got.mask_index.tolist() == [-1, -1, -1] and got.masks.shape == (0, 0)
    validate_step(got, {}, CAPACITY)


def _with_mask_shape(rows: int, words: int) -> bytes:
    buf = bytearray(encode_step(masked_step([0, 0, 0], [[1, 2]])))
    struct.pack_into("<ii", buf, len(buf) - 16, rows, words)
    return bytes(buf)


@pytest.mark.parametrize("buf, words", [
    (_with_mask_shape(-1, 2), r"mask_shape \(-1, 2\)"),
    (_with_mask_shape(1, 0), r"mask_shape \(1, 0\)"),
    (_with_mask_shape(2, 2), "describes 384 bytes, the message has 376"),
    (_with_mask_shape(1, 2) + bytes(8), "describes 376 bytes, the message has 384"),
    (_with_mask_shape(1, 2)[:360], "describes at least 368 bytes, the message has 360"),  # cut inside mask_shape
])
def test_malformed_mask_arrays_raise_bad_step(buf, words):
    with pytest.raises(StepError, match=words) as info:
        decode_step(buf)
    assert info.value.code == ERR_BAD_STEP


def test_other_flag_bits_are_still_refused():
    buf = bytearray(encode_step(masked_step([0, 0, 0], [[1]])))
    struct.pack_into("<I", buf, 4, 2 | 4)
    with pytest.raises(StepError, match="bits 0, lookahead, and 1, token masks, are defined"):
        decode_step(buf)


# --- validation --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("batch, words", [
    (masked_step([0, 0], [[1]]), "mask_index has 2 entries, expected 3"),
    (masked_step([0, 2, -1], [[1], [2]]), "sequence 11: mask_index 2 is outside \\[-1, 2\\)"),
    (masked_step([-2, 0, 0], [[1]]), "sequence 10: mask_index -2 is outside \\[-1, 1\\)"),
    (masked_step([-1, 0, -1], [[1]], lookahead=[1, 3, 0]),
     "sequence 11: mask_index 0 with lookahead 3: constrained sequences do not speculate"),
    (masked_step([-1, 1, 0], [[1, 0, 0, 0], [0, 0, 0, 0]]),
     "sequence 11: mask row 1 allows no token id below the vocabulary size 100"),
    # Bits from the vocabulary size on (100 = 3 * 32 + 4) do not count.
    (masked_step([0, -1, -1], [[0, 0, 0, 0xFFFFFFF0]]), "sequence 10: mask row 0 allows no token id"),
])
def test_invalid_masks_are_refused_naming_the_field_the_sequence_and_the_value(batch, words):
    with pytest.raises(StepError, match=words) as info:
        validate_step(batch, {}, CAPACITY)
    assert info.value.code == ERR_BAD_STEP
    # The codec carries them: a worker refuses the same step it decodes.
    if len(batch.mask_index) == 3:
        with pytest.raises(StepError, match=words):
            validate_step(decode_step(encode_step(batch)), {}, CAPACITY)


def test_masks_must_be_uint32_rows():
    batch = masked_step([0, 0, 0], [[1]])
    batch.masks = np.ones((1, 1), np.int64)
    with pytest.raises(StepError, match="masks must be uint32"):
        validate_step(batch, {}, CAPACITY)


def test_an_empty_row_is_refused_only_where_a_sampling_sequence_uses_it():
    # Bit 3 of word 3 is id 99, the last of the vocabulary.
    validate_step(masked_step([1, 0, 0], [[0, 0, 0, 8], [0, 0, 0, 0]], sample=[False, True, True]), {}, CAPACITY)


# --- the sampler -------------------------------------------------------------------------------------------------

@pytest.fixture
def sampler():
    return Sampler(torch.Generator().manual_seed(1234))


def rows_of(n, **params):
    return [SamplerRow(SamplingParams(**params), 0, EMPTY, EMPTY) for _ in range(n)]


def random_allowed(n, vocab, rng, most=40):
    """bool [n, V]: between 1 and `most` allowed ids per row."""
    allowed = np.zeros((n, vocab), np.bool_)
    for k in range(n):
        allowed[k, rng.choice(vocab, rng.integers(1, most + 1), replace=False)] = True
    return allowed


def test_unpack_follows_the_bit_rule():
    rng = np.random.default_rng(0)
    words = rng.integers(0, 1 << 32, (3, 3), dtype=np.uint64).astype(np.uint32)
    for vocab in (70, 96, 130):  # bits past the vocabulary ignored; ids past 32 W not allowed
        got = AllowedTokens.unpack(words, [2, -1, 0], vocab)
        assert got.rows.tolist() == [0, 2]
        want = np.array([[t < 96 and bool(words[k, t >> 5] >> (t & 31) & 1) for t in range(vocab)] for k in (2, 0)])
        np.testing.assert_array_equal(got.offsets.numpy(), np.where(want, np.float32(0), np.float32(-np.inf)))


PARAMS = {
    "greedy": dict(),
    "unseeded": dict(temperature=1.0),
    "seeded": dict(temperature=1.0, seed=7),
    "hot": dict(temperature=3.0),
    "top_k": dict(temperature=1.0, top_k=5),
    "top_k_wide": dict(temperature=1.0, top_k=200, seed=3),
    "top_p": dict(temperature=1.0, top_p=0.8),
    "top_p_seeded": dict(temperature=0.7, top_p=0.5, seed=11),
    "min_p": dict(temperature=1.0, min_p=0.2),
    "all": dict(temperature=0.9, top_k=20, top_p=0.9, min_p=0.05, seed=5),
}


@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_a_masked_token_is_never_chosen(sampler, kind):
    n, vocab = 2000, 300
    rng = np.random.default_rng(1)
    logits = torch.from_numpy(rng.normal(0, 4, (n, vocab)).astype(np.float32))
    allowed = random_allowed(n, vocab, rng)
    # The likeliest tokens of each row are forbidden, so an unmasked choice would mostly land there.
    top = logits.topk(10, dim=-1).indices.numpy()
    np.put_along_axis(allowed, top, False, axis=1)
    allowed[np.arange(n), rng.integers(0, vocab, n)] = True
    rows = [SamplerRow(SamplingParams(**dict(PARAMS[kind], seed=PARAMS[kind].get("seed", -1) + i)
                                      if "seed" in PARAMS[kind] else PARAMS[kind]), i, EMPTY, EMPTY)
            for i in range(n)]
    result = sampler(logits, rows, AllowedTokens.unpack(pack(allowed), np.arange(n), vocab))
    assert allowed[np.arange(n), result.token_ids.numpy()].all()


@pytest.mark.parametrize("kind", ["greedy", "seeded", "top_k_wide", "top_p_seeded", "all"])
def test_unmasked_rows_are_unchanged_by_masked_rows_in_the_batch(sampler, kind):
    n, vocab = 400, 500
    rng = np.random.default_rng(2)
    logits = torch.from_numpy(rng.normal(0, 3, (n, vocab)).astype(np.float32))
    params = [SamplingParams(**dict(PARAMS[kind], seed=i) if "seed" in PARAMS[kind] else PARAMS[kind],
                             top_logprobs=3) for i in range(n)]
    rows = [SamplerRow(p, 0, EMPTY, EMPTY) for p in params]
    index = np.where(np.arange(n) % 2 == 0, np.arange(n) // 2, -1)  # every other row masked
    masked = sampler(logits, rows, AllowedTokens.unpack(pack(random_allowed(n // 2, vocab, rng)), index, vocab))
    free = np.flatnonzero(index < 0)
    alone = sampler(logits[free], [rows[i] for i in free])
    assert torch.equal(masked.token_ids[free], alone.token_ids)
    assert torch.equal(masked.logprobs[free], alone.logprobs)
    assert torch.equal(masked.top_ids[free], alone.top_ids)
    assert torch.equal(masked.top_logprobs[free], alone.top_logprobs)


@pytest.mark.parametrize("params", [dict(temperature=1.0), dict(temperature=1.0, top_p=0.999), dict(temperature=0.5)])
@pytest.mark.parametrize("seeded", [True, False])
def test_masked_draws_follow_the_softmax_over_the_allowed_tokens(sampler, params, seeded):
    draws, allowed_ids = 8000, [1, 3, 4, 6]
    logits = torch.tensor([3.0, 0.5, 2.5, -0.5, 0.0, 4.0, 1.0, 2.0])
    rows = [SamplerRow(SamplingParams(**params, seed=i if seeded else -1), 0, EMPTY, EMPTY) for i in range(draws)]
    allowed = AllowedTokens.unpack(pack_ids([allowed_ids], 8), np.zeros(draws, np.int64), 8)
    tokens = sampler(logits.expand(draws, -1).contiguous(), rows, allowed).token_ids
    counts = torch.bincount(tokens, minlength=8).double()
    assert counts.sum() == counts[allowed_ids].sum()
    expected = torch.softmax(logits[allowed_ids].double() / params["temperature"], dim=0) * draws
    chi_square = float(((counts[allowed_ids] - expected) ** 2 / expected).sum())
    assert chi_square < 16.27, chi_square  # 3 degrees of freedom, p = 0.001


def test_logprobs_are_the_log_softmax_over_the_allowed_tokens(sampler):
    rng = np.random.default_rng(3)
    vocab = 50
    logits = torch.from_numpy(rng.normal(0, 2, (3, vocab)).astype(np.float32))
    id_sets = [[4, 9, 17], [0, 1, 2, 3, 30, 31, 32, 49], [25]]
    rows = [SamplerRow(SamplingParams(temperature=t, seed=s, top_logprobs=5), 0, EMPTY, EMPTY)
            for t, s in ((0.0, -1), (1.0, 3), (0.8, -1))]
    result = sampler(logits, rows, AllowedTokens.unpack(pack_ids(id_sets, vocab), [0, 1, 2], vocab))
    for k, ids in enumerate(id_sets):
        constrained = torch.log_softmax(logits[k, ids], dim=0)
        chosen = ids.index(int(result.token_ids[k]))
        assert math.isclose(float(result.logprobs[k]), float(constrained[chosen]), abs_tol=1e-5)
        order = torch.argsort(constrained, descending=True)[:5]
        got_ids = result.top_ids[k].tolist()
        assert got_ids[:len(order)] == [ids[j] for j in order.tolist()]
        assert got_ids[len(order):] == [-1] * (5 - len(order))  # fewer allowed than asked: padding
        np.testing.assert_allclose(result.top_logprobs[k, :len(order)], constrained[order], atol=1e-5)
    assert result.token_ids[0] == id_sets[0][int(torch.argmax(logits[0, id_sets[0]]))]


def test_penalties_apply_before_the_mask(sampler):
    logits = torch.tensor([[5.0, 4.0, 3.0, 1.0]])
    # Token 1 is the likeliest allowed one until the repetition penalty halves it below token 2.
    row = SamplerRow(SamplingParams(repetition_penalty=2.0), 1, torch.tensor([1]), torch.tensor([1]))
    result = sampler(logits, [row], AllowedTokens.unpack(pack_ids([[1, 2]], 4), [0], 4))
    assert result.token_ids.tolist() == [2]
    assert math.isclose(float(result.logprobs[0]), float(torch.log_softmax(torch.tensor([2.0, 3.0]), 0)[1]),
                        abs_tol=1e-6)


def test_the_callers_logits_are_left_unmodified(sampler):
    logits = torch.randn(4, 64, generator=torch.Generator().manual_seed(0))
    before = logits.clone()
    for index in ([0, 0, 0, 0], [0, -1, 0, -1]):
        sampler(logits, rows_of(4, temperature=1.0), AllowedTokens.unpack(pack_ids([[3, 5]], 64), index, 64))
        assert torch.equal(logits, before)


def test_a_wide_vocabulary_with_few_allowed_tokens(sampler):
    vocab = 32000
    logits = torch.randn(6, vocab, generator=torch.Generator().manual_seed(1))
    params = [dict(temperature=1.0, top_p=0.9), dict(temperature=1.0, top_p=0.9, seed=1),
              dict(temperature=1.0, top_k=100), dict(temperature=1.0, min_p=0.5), dict(temperature=1.0), dict()]
    rows = [SamplerRow(SamplingParams(**p), 0, EMPTY, EMPTY) for p in params]
    allowed = AllowedTokens.unpack(pack_ids([[7, 31999, 12345]], vocab), np.zeros(6, np.int64), vocab)
    assert set(sampler(logits, rows, allowed).token_ids.tolist()) <= {7, 31999, 12345}


# --- the worker process ------------------------------------------------------------------------------------------

PROMPT = [1, 450, 4996, 17354, 1701]
DECODE_STEPS = 8


def allowed_at(step: int):
    """A fixed allowed set per step, far from what tiny-llama would pick unconstrained."""
    return sorted({(1000 + 37 * step) % 32000, (20000 + 101 * step) % 32000, 5 + step})


def generate(client, seqs, first_step: int):
    """Runs greedy sequences {seq_id: (block, constrained)} over PROMPT; {seq_id: [(token, top_ids, top_lps)]}."""
    out = {seq_id: [] for seq_id in seqs}
    new = [NewSequence(seq_id, len(PROMPT), SamplingParams(top_logprobs=5)) for seq_id in seqs]
    for step in range(DECODE_STEPS + 1):
        scheduled = [ScheduledSequence(seq_id, PROMPT if step == 0 else [out[seq_id][-1][0]],
                                       0 if step == 0 else len(PROMPT) + step - 1, [block])
                     for seq_id, (block, _) in seqs.items()]
        batch = build_step(first_step + step, scheduled, new if step == 0 else ())
        if any(constrained for _, constrained in seqs.values()):
            batch.mask_index = np.array([0 if constrained else -1 for _, constrained in seqs.values()], np.int32)
            batch.masks = pack_ids([allowed_at(step)], 32000)
        result = client.step(batch, timeout=60)
        for i, seq_id in enumerate(result.seq_ids.tolist()):
            out[seq_id].append((int(result.token_ids[i]), result.top_ids[i].tolist(),
                                result.top_logprobs[i].tolist()))
    return out


def check_constrained_and_free(client):
    alone = generate(client, {1: (0, False)}, 100)[1]
    both = generate(client, {2: (1, False), 3: (2, True)}, 200)
    assert [t for t, _, _ in both[2]] == [t for t, _, _ in alone]
    for step, (token, top_ids, top_logprobs) in enumerate(both[3]):
        allowed = allowed_at(step)
        assert token in allowed and token == top_ids[0]
        assert sorted(top_ids[:len(allowed)]) == allowed and top_ids[len(allowed):] == [-1] * (5 - len(allowed))
        assert math.isclose(math.fsum(math.exp(lp) for lp in top_logprobs[:len(allowed)]), 1.0, abs_tol=1e-4)
    assert [t for t, _, _ in both[3]] != [t for t, _, _ in alone]


def test_a_constrained_sequence_gets_allowed_tokens_and_its_neighbour_its_own(tiny_llama_dir):
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR)
    with WorkerClient(sys.executable, env=env) as client:
        client.load(EngineOptions(model_dir=str(tiny_llama_dir), kv_cache_bytes=8 << 20), timeout=120)
        check_constrained_and_free(client)
        # A mask row that allows nothing is refused alone; the worker serves on.
        bad = build_step(300, [ScheduledSequence(4, PROMPT, 0, [3])], [NewSequence(4, len(PROMPT), SamplingParams())])
        bad.mask_index, bad.masks = np.array([0], np.int32), np.zeros((1, 1000), np.uint32)
        with pytest.raises(StepError, match="sequence 4: mask row 0 allows no token id") as info:
            client.step(bad, timeout=60)
        assert info.value.code == ERR_BAD_STEP and client.health()["ok"]


def test_a_tensor_parallel_group_decodes_masks_on_every_rank(worker_group):
    """Followers decode and validate the same step bytes; rank 0 alone samples."""
    client, _, follower = worker_group
    check_constrained_and_free(client)
    assert client.shutdown() == 0
    assert follower.wait(timeout=30) == 0


def test_mask_bench_prints_a_row_per_batch_and_share(capsys):
    assert mask_bench.main(["--batch", "1,4", "--vocab", "100", "--iters", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["batch", "masked", "M", "x"]
    # batch 1 all masked; batch 4 all and half: bytes are 4 W M + mask_index (padded) + mask_shape.
    assert [line.split()[:6] for line in lines[2:]] == [
        ["1", "1", "1", "x", "4", "32"], ["4", "4", "4", "x", "4", "88"], ["4", "2", "2", "x", "4", "56"]]
