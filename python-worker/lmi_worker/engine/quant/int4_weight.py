"""The part GPTQ and AWQ share: 4-bit values with a zero point and a scale per (group of input rows, output).

W[o, i] = (q[i, o] - zero[g(i), o]) * scale[g(i), o]. The packed values stay packed in memory and are
unpacked and dequantized on every call of `linear`: a cached dense copy would take 8 times the
bytes (float32) and give up the reason for loading a 4-bit checkpoint. Zero points are unpacked at
load into the compute dtype: [groups, out] is 1/group_size of the weight, and it saves a pass per call.
"""

import abc
from typing import Optional, Sequence

import torch

from .linear_weight import LinearWeight, StackedWeight


class Int4Weight(LinearWeight):
    """Packed 4-bit values `qweight`, and zeros/scales [groups, out] in the compute dtype.

    `g_idx` [in] (int64) gives each input row's group; None when row i is in group i // group_size and
    every group is full, which lets dequantization broadcast instead of gathering.
    """

    def __init__(self, qweight: torch.Tensor, zeros: torch.Tensor, scales: torch.Tensor,
                 g_idx: Optional[torch.Tensor], group_size: int, in_features: int):
        self.qweight = qweight
        self.zeros = zeros
        self.scales = scales
        self.g_idx = g_idx
        self.group_size = group_size
        self._in_features = in_features

    @abc.abstractmethod
    def unpacked(self) -> torch.Tensor:
        """The 4-bit values as int32 [in, out]."""

    @property
    def out_features(self) -> int:
        return self.scales.shape[1]

    @property
    def in_features(self) -> int:
        return self._in_features

    @property
    def nbytes(self) -> int:
        stored = [self.qweight, self.zeros, self.scales] + ([self.g_idx] if self.g_idx is not None else [])
        return sum(t.numel() * t.element_size() for t in stored)

    def dequantized_in_out(self) -> torch.Tensor:
        """W^T [in, out] in the compute dtype."""
        q = self.unpacked().to(self.scales.dtype)
        if self.g_idx is None:
            groups, out = self.scales.shape
            q = q.view(groups, self.group_size, out)
            return ((q - self.zeros[:, None, :]) * self.scales[:, None, :]).view(-1, out)
        return (q - self.zeros.index_select(0, self.g_idx)) * self.scales.index_select(0, self.g_idx)

    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = x @ self.dequantized_in_out()
        return y if bias is None else y + bias

    def dequantize(self) -> torch.Tensor:
        return self.dequantized_in_out().t().contiguous()

    @classmethod
    def stack_rows(cls, parts: Sequence[LinearWeight]) -> LinearWeight:
        # Parts fuse when one group map covers them all: q/k/v (and gate/up) read the same input.
        first = parts[0]
        if all(type(p) is cls and _same_groups(first, p) for p in parts):
            # Both layouts put the output axis on dim 1 of qweight (packed or not), zeros and scales.
            return cls(torch.cat([p.qweight for p in parts], dim=1), torch.cat([p.zeros for p in parts], dim=1),
                       torch.cat([p.scales for p in parts], dim=1), first.g_idx, first.group_size,
                       first.in_features)
        return StackedWeight(parts)


def _same_groups(a: Int4Weight, b: Int4Weight) -> bool:
    if a.in_features != b.in_features or a.group_size != b.group_size:
        return False
    if a.g_idx is None or b.g_idx is None:
        return a.g_idx is None and b.g_idx is None
    return torch.equal(a.g_idx, b.g_idx)


def group_count(in_features: int, group_size: int) -> int:
    """Groups along the input: group_size -1 means one group; a last partial group counts."""
    return 1 if group_size == -1 else -(-in_features // group_size)
