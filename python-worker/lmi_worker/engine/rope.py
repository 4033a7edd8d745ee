"""Rotary position embedding frequencies, with Hugging Face's linear and llama3 scaling."""

import math
from typing import Tuple

import torch

from .model_config import ModelConfig, RopeScaling


def rope_inv_freq(config: ModelConfig) -> torch.Tensor:
    """The inverse frequency of each rotated pair: float32 [head_dim / 2].

    Computed in float32 with the same operations, in the same order, as transformers'
    modeling_rope_utils, so that the rounding matches Hugging Face's too.
    """
    dim = config.head_dim
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = config.rope_scaling
    if scaling is None:
        return inv_freq
    if scaling.rope_type == "linear":
        # Dividing every position by factor is the same as dividing every frequency by it.
        return inv_freq / scaling.factor
    return _llama3(inv_freq, scaling)


def _llama3(inv_freq: torch.Tensor, scaling: RopeScaling) -> torch.Tensor:
    # Wavelengths shorter than old_context_len / high_freq_factor keep their frequency, those longer
    # than old_context_len / low_freq_factor are slowed down by factor, and the band between blends
    # the two linearly in old_context_len / wavelen.
    factor = scaling.factor
    low_freq_factor, high_freq_factor = scaling.low_freq_factor, scaling.high_freq_factor
    old_context_len = scaling.original_max_position_embeddings
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, scaled)


def rope_cos_sin(inv_freq: torch.Tensor, positions: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of position × frequency, each float32 [T, head_dim / 2], for LongTensor [T] positions.

    The model applies them in rotate-half layout: pair i is (x[i], x[i + head_dim / 2]).
    """
    angles = torch.outer(positions.to(torch.float32), inv_freq.to(positions.device, torch.float32))
    return angles.cos(), angles.sin()
