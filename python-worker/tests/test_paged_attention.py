"""Paged KV cache and ragged batches give the same numbers as the simple layouts they replace."""

import numpy as np
import pytest
import torch

from forward_probe import blocks_for, decodes_after_prefills, forward_logits, with_gathering_attention
from lmi_worker.engine.step_builder import ScheduledSequence

TOLERANCE = 1e-4


def _prompt(seed: int, length: int):
    rng = np.random.default_rng(seed)
    return [1] + rng.integers(3, 32000, length - 1).tolist()


def test_shuffled_non_contiguous_blocks_equal_a_contiguous_cache(tiny_llama_engine):
    engine = tiny_llama_engine
    bs = engine.capacity.block_size
    prompts = [_prompt(s, n) for s, n in ((1, 37), (2, 64), (3, 5), (4, 90))]
    contiguous = list(range(engine.capacity.num_blocks))
    expected = forward_logits(engine, [ScheduledSequence(i, p, 0, blocks_for(len(p), bs, contiguous))
                                       for i, p in enumerate(prompts)])
    shuffled = np.random.default_rng(7).permutation(engine.capacity.num_blocks).tolist()
    got = forward_logits(engine, [ScheduledSequence(i, p, 0, blocks_for(len(p), bs, shuffled))
                                  for i, p in enumerate(prompts)])
    for want, have in zip(expected, got):
        assert torch.allclose(want, have, atol=TOLERANCE, rtol=0)


def test_prefill_in_chunks_of_7_equals_one_chunk(tiny_llama_engine):
    engine = tiny_llama_engine
    prompt = _prompt(11, 100)
    table = np.random.default_rng(3).permutation(engine.capacity.num_blocks)[:7].tolist()
    whole = forward_logits(engine, [ScheduledSequence(0, prompt, 0, table)])[0]
    pieces = []
    for start in range(0, len(prompt), 7):
        pieces.append(forward_logits(engine, [ScheduledSequence(0, prompt[start:start + 7], start, table)])[0])
    chunked = torch.cat(pieces)
    assert chunked.shape == whole.shape
    assert torch.allclose(whole, chunked, atol=TOLERANCE, rtol=0)


def test_decode_alone_equals_decode_inside_a_mixed_batch_of_16(tiny_llama_engine):
    engine = tiny_llama_engine
    bs = engine.capacity.block_size
    order = np.random.default_rng(5).permutation(engine.capacity.num_blocks).tolist()
    target_prompt = _prompt(21, 45)
    target_table = blocks_for(len(target_prompt) + 8, bs, order)
    forward_logits(engine, [ScheduledSequence(0, target_prompt, 0, target_table)])
    next_token = 1234
    alone = forward_logits(engine, [ScheduledSequence(0, [next_token], len(target_prompt), target_table)])[0]

    # 15 others: some decoding after their own prefill, some prefilling now, of mixed lengths.
    others = []
    for i in range(1, 16):
        prompt = _prompt(100 + i, 3 + 11 * i)
        table = blocks_for(len(prompt) + 8, bs, order)
        if i % 2:
            forward_logits(engine, [ScheduledSequence(i, prompt, 0, table)])
            others.append(ScheduledSequence(i, [42 + i], len(prompt), table))
        else:
            others.append(ScheduledSequence(i, prompt, 0, table))
    mixed = others[:7] + [ScheduledSequence(0, [next_token], len(target_prompt), target_table)] + others[7:]
    batched = forward_logits(engine, mixed)[7]
    assert torch.allclose(alone, batched, atol=TOLERANCE, rtol=0)
    assert int(alone.argmax()) == int(batched.argmax())


def test_cpu_kernel_and_gathering_path_agree_on_decode(tiny_llama_engine):
    engine = tiny_llama_engine
    model = engine.model
    if model.device.type != "cpu":
        pytest.skip("the native kernel is the CPU decode path")
    assert model.attention.kernel is not None, "the CPU kernel should build on this machine (gcc)"
    decodes = decodes_after_prefills(engine, [1, 15, 16, 17, 70], seed=9)
    with_kernel = forward_logits(engine, decodes)
    gathered = with_gathering_attention(engine, decodes)
    for a, b in zip(with_kernel, gathered):
        assert torch.allclose(a, b, atol=TOLERANCE, rtol=0)
