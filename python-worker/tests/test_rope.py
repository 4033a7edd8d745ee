"""Tests for RoPE frequencies and their linear and llama3 scaling."""

import dataclasses
import math

import pytest
import torch

from lmi_worker.engine.model_config import ModelConfig, RopeScaling
from lmi_worker.engine.rope import rope_cos_sin, rope_inv_freq


def _config(head_dim=16, theta=10000.0, scaling=None) -> ModelConfig:
    return ModelConfig(
        architecture="LlamaForCausalLM", vocab_size=10, hidden_size=head_dim * 2, intermediate_size=8,
        num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2, head_dim=head_dim,
        rms_norm_eps=1e-6, rope_theta=theta, rope_scaling=scaling, max_position_embeddings=64,
        tie_word_embeddings=False, sliding_window=None, attention_bias=False, bos_token_id=None,
        eos_token_ids=(), torch_dtype=None,
    )


def _close(actual: torch.Tensor, expected) -> None:
    assert actual.dtype == torch.float32
    expected = torch.tensor(expected, dtype=torch.float64)
    torch.testing.assert_close(actual.double(), expected, rtol=1e-6, atol=0)


def test_default_frequencies_are_theta_to_the_minus_2i_over_d():
    _close(rope_inv_freq(_config()), [10 ** (-i / 2) for i in range(8)])


def test_linear_divides_every_frequency_by_factor():
    scaled = rope_inv_freq(_config(scaling=RopeScaling("linear", 4.0)))
    _close(scaled, [10 ** (-i / 2) / 4 for i in range(8)])


def test_llama3_hand_computed():
    # head_dim 16, theta 1e4: wavelengths 2π·10^(i/2) = 6.28, 19.87, 62.83, 198.7, ...
    # old context 64 with low/high freq factors 1/4: keep below 16, divide by 8 above 64, blend between.
    scaling = RopeScaling("llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                          original_max_position_embeddings=64)
    inv_freq = rope_inv_freq(_config(scaling=scaling))
    expected = [
        1.0,                    # wavelength 6.28 < 16: unchanged
        0.24438459943539834,    # s = (64/19.87 - 1)/3 = 0.74036; 0.31623 * ((1 - s)/8 + s)
        0.013042256043820465,   # s = (64/62.83 - 1)/3 = 0.0061972; 0.1 * ((1 - s)/8 + s)
        0.03162277660168379 / 8,
        0.01 / 8,
        0.0031622776601683794 / 8,
        0.001 / 8,
        0.00031622776601683794 / 8,
    ]
    _close(inv_freq, expected)


def _llama3_reference(head_dim, theta, factor, low, high, old_len):
    """The Llama 3.1 reference recipe, per frequency, in float64."""
    out = []
    for i in range(0, head_dim, 2):
        freq = 1.0 / theta ** (i / head_dim)
        wavelen = 2 * math.pi / freq
        if wavelen < old_len / high:
            out.append(freq)
        elif wavelen > old_len / low:
            out.append(freq / factor)
        else:
            smooth = (old_len / wavelen - low) / (high - low)
            out.append((1 - smooth) * freq / factor + smooth * freq)
    return out


def test_llama3_matches_llama31_recipe():
    scaling = RopeScaling("llama3", 8.0, 1.0, 4.0, 8192)
    inv_freq = rope_inv_freq(_config(head_dim=128, theta=500000.0, scaling=scaling))
    expected = _llama3_reference(128, 500000.0, 8.0, 1.0, 4.0, 8192)
    _close(inv_freq, expected)
    plain = rope_inv_freq(_config(head_dim=128, theta=500000.0))
    kept = (inv_freq == plain).sum().item()
    divided = torch.isclose(inv_freq, plain / 8, rtol=1e-6, atol=0).sum().item()
    # All three bands are exercised: 2π/f < 2048 kept, 2π/f > 8192 divided, the rest blended.
    assert kept > 0 and divided > 0 and kept + divided < 64
    assert bool((inv_freq[1:] < inv_freq[:-1]).all())


def test_cos_sin():
    inv_freq = rope_inv_freq(_config())
    positions = torch.tensor([0, 1, 7, 511])
    cos, sin = rope_cos_sin(inv_freq, positions)
    assert cos.shape == sin.shape == (4, 8)
    assert cos.dtype == sin.dtype == torch.float32
    assert torch.equal(cos[0], torch.ones(8)) and torch.equal(sin[0], torch.zeros(8))
    angles = torch.tensor([[p * 10 ** (-i / 2) for i in range(8)] for p in positions.tolist()],
                          dtype=torch.float64)
    torch.testing.assert_close(cos.double(), angles.cos(), rtol=0, atol=1e-4)
    torch.testing.assert_close(sin.double(), angles.sin(), rtol=0, atol=1e-4)


@pytest.mark.parametrize("factor", [2.0, 8.0])
def test_linear_scaling_is_scaling_positions(factor):
    # Linear scaling at position p must equal no scaling at position p / factor.
    positions = torch.arange(0, 64, 8)
    scaled = rope_cos_sin(rope_inv_freq(_config(scaling=RopeScaling("linear", factor))), positions)
    plain_inv = rope_inv_freq(_config())
    angles = torch.outer(positions.double() / factor, plain_inv.double())
    torch.testing.assert_close(scaled[0].double(), angles.cos(), rtol=0, atol=1e-5)
    torch.testing.assert_close(scaled[1].double(), angles.sin(), rtol=0, atol=1e-5)


def test_tiny_llama_head_dim(tiny_llama_dir):
    config = ModelConfig.from_dir(tiny_llama_dir)
    assert rope_inv_freq(config).shape == (config.head_dim // 2,)
    assert rope_inv_freq(dataclasses.replace(config, rope_theta=1e6))[1] < rope_inv_freq(config)[1]
