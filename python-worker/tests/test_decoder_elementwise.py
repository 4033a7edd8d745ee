"""The native elementwise kernels compute what the torch operators they replace compute."""

import numpy as np
import pytest
import torch

from forward_probe import blocks_for, forward_logits
from lmi_worker.engine.decoder_elementwise import DecoderElementwise
from lmi_worker.engine.rope import rope_cos_sin
from lmi_worker.engine.step_builder import ScheduledSequence

TOLERANCE = 1e-5


def _pair():
    """The same operations with the native kernels and with torch only."""
    inv_freq = 1.0 / (10000 ** (torch.arange(0, 24, 2).float() / 24))
    cos, sin = rope_cos_sin(inv_freq, torch.arange(64))
    native = DecoderElementwise(1e-5, cos, sin, torch.device("cpu"), torch.float32)
    if native.kernel is None:
        pytest.fail("the CPU kernels should build on this machine (gcc)")
    plain = DecoderElementwise(1e-5, cos, sin, torch.device("cpu"), torch.float32)
    plain.kernel = None
    return native, plain


@pytest.mark.parametrize("with_delta", [False, True])
def test_add_rms_norm_matches_torch_and_updates_the_residual_alike(with_delta):
    native, plain = _pair()
    gen = torch.Generator().manual_seed(1)
    h = torch.randn(7, 37, generator=gen) * 3
    delta = torch.randn(7, 37, generator=gen) if with_delta else None
    weight = torch.randn(37, generator=gen)
    h_native, h_plain = h.clone(), h.clone()
    out_native = native.add_rms_norm(h_native, delta, weight)
    out_plain = plain.add_rms_norm(h_plain, delta, weight)
    assert torch.equal(h_native, h_plain)
    assert torch.equal(h_native, h + delta) if with_delta else torch.equal(h_native, h)
    assert torch.allclose(out_native, out_plain, atol=TOLERANCE, rtol=TOLERANCE)


def test_silu_mul_matches_torch_over_the_whole_range_and_a_ragged_width():
    native, plain = _pair()
    gen = torch.Generator().manual_seed(2)
    gate_up = torch.randn(5, 2 * 45, generator=gen) * 8
    gate_up[0, :6] = torch.tensor([-200.0, -88.0, -20.0, 0.0, 20.0, 200.0])
    got, want = native.silu_mul(gate_up), plain.silu_mul(gate_up)
    assert torch.isfinite(got).all()
    assert torch.allclose(got, want, atol=TOLERANCE, rtol=TOLERANCE)


def test_rotate_turns_only_the_heads_asked_and_matches_torch():
    native, plain = _pair()
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(6, 5 * 24, generator=gen)
    positions = torch.tensor([0, 1, 17, 5, 63, 30])
    a, b = x.clone(), x.clone()
    native.rotate(a, 3, 24, positions)
    plain.rotate(b, 3, 24, positions)
    assert torch.allclose(a, b, atol=TOLERANCE, rtol=0)
    assert torch.equal(a[:, 3 * 24:], x[:, 3 * 24:])
    assert torch.equal(a[0], x[0]), "position 0 is no rotation"
    assert not torch.allclose(a[:, :3 * 24], x[:, :3 * 24])


def test_the_model_forward_is_the_same_with_and_without_the_kernels(tiny_llama_engine):
    engine = tiny_llama_engine
    model = engine.model
    if model.device.type != "cpu":
        pytest.skip("the native kernels are the CPU float32 path")
    order = np.random.default_rng(13).permutation(engine.capacity.num_blocks).tolist()
    bs = engine.capacity.block_size
    prompt = [1] + np.random.default_rng(4).integers(3, 32000, 40).tolist()
    table = blocks_for(len(prompt) + 1, bs, order)
    kernel = model.elementwise.kernel
    assert kernel is not None
    with_kernels = forward_logits(engine, [ScheduledSequence(0, prompt, 0, table)])[0]
    try:
        model.elementwise.kernel = None
        plain = forward_logits(engine, [ScheduledSequence(0, prompt, 0, table)])[0]
    finally:
        model.elementwise.kernel = kernel
    assert torch.allclose(with_kernels, plain, atol=1e-4, rtol=0)
    assert torch.equal(with_kernels.argmax(-1), plain.argmax(-1))
